from django.urls import URLPattern, path

from blockdesk.sla import views

app_name = "sla"
urlpatterns: list[URLPattern] = [
    path("hours/", views.hours_list, name="hours"),
    path("hours/new/", views.hours_edit, name="hours_new"),
    path("hours/<int:hours_id>/", views.hours_edit, name="hours_edit"),
    path("hours/<int:hours_id>/delete/", views.hours_delete, name="hours_delete"),
    path("hours/<int:hours_id>/holidays/", views.holiday_add, name="holiday_add"),
    path(
        "hours/<int:hours_id>/holidays/<int:holiday_id>/delete/",
        views.holiday_delete,
        name="holiday_delete",
    ),
    path("hours/<int:hours_id>/ics/", views.ics_import, name="ics_import"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_edit, name="policy_new"),
    path("policies/<int:policy_id>/", views.policy_edit, name="policy_edit"),
    path("policies/<int:policy_id>/delete/", views.policy_delete, name="policy_delete"),
    path("report/", views.report, name="report"),
]
