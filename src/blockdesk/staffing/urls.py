from django.urls import URLPattern, path

from blockdesk.staffing import views

app_name = "staffing"
urlpatterns: list[URLPattern] = [
    path("", views.week, name="week"),
    path("schedule/", views.save_schedule, name="save_schedule"),
    path("surge/", views.surge_settings, name="surge"),
    path("surge/start/", views.start, name="surge_start"),
    path("surge/end/", views.end, name="surge_end"),
]
