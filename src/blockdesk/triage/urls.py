"""Settings → Triage, mounted at /app/settings/triage/ (one line in blockdesk/urls.py)."""

from django.urls import URLPattern, path

from blockdesk.triage import views

app_name = "triage"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="settings"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
]
