"""Console pages, mounted at /app/feedback/ (one line in blockdesk/urls.py)."""

from django.urls import URLPattern, path

from blockdesk.feedback import views

app_name = "feedback"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("new", views.create, name="create"),
    path("link", views.link, name="link"),
    path("settings/", views.settings_page, name="settings"),
    path("<int:suggestion_id>/", views.detail, name="detail"),
    path("<int:suggestion_id>/status", views.change_status, name="status"),
    path("<int:suggestion_id>/merge", views.merge, name="merge"),
    path("<int:suggestion_id>/hide", views.hide, name="hide"),
]
