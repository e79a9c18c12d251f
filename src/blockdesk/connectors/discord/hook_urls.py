"""Public: what Discord's servers call (mounted at /hooks/discord/)."""

from django.urls import path

from blockdesk.connectors.discord import views

app_name = "discord_hooks"

urlpatterns = [
    path("<int:inbox_id>/interactions/", views.interactions, name="interactions"),
]
