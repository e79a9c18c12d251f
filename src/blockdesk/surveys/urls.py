"""Console pages, mounted at /app/surveys/ (one line in blockdesk/urls.py)."""

from django.urls import URLPattern, path

from blockdesk.surveys import views

app_name = "surveys"
urlpatterns: list[URLPattern] = [
    path("", views.results, name="results"),
    path("export.csv", views.export_csv, name="export"),
    path("settings/", views.settings_page, name="settings"),
    path("conversations/<int:conversation_id>/skip", views.skip, name="skip"),
    path("conversations/<int:conversation_id>/send", views.send_now, name="send"),
]
