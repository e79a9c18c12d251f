from django.urls import path

from blockdesk.connectors.discord import views

app_name = "discord_channel"

urlpatterns = [
    path("", views.discord_inbox, name="list"),
    path("<int:inbox_id>/", views.discord_inbox, name="edit"),
]
