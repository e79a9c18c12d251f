"""Settings → Routing at /app/settings/routing/ and the presence toggle at /app/presence/
(two lines in blockdesk/urls.py)."""

from django.urls import URLPattern, path

from blockdesk.routing import views

app_name = "routing"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="settings"),
    path("inboxes/<int:inbox_id>/", views.inbox_edit, name="inbox"),
    path("agents/<int:user_id>/", views.agent_edit, name="agent"),
]
