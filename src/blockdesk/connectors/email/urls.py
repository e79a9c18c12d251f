from django.urls import path

from blockdesk.connectors.email import views

app_name = "email_channel"

urlpatterns = [
    path("", views.email_inboxes, name="list"),
    path("<int:inbox_id>/", views.email_inbox_edit, name="edit"),
    path("<int:inbox_id>/test/", views.email_inbox_test, name="test"),
]
