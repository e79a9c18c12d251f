from django.urls import path

from blockdesk.connectors.telegram import views

app_name = "telegram_channel"

urlpatterns = [
    path("", views.telegram_inboxes, name="list"),
    path("<int:inbox_id>/", views.telegram_inbox_edit, name="edit"),
]
