from django.urls import path

from blockdesk.conversations import views

app_name = "conversations"
urlpatterns = [
    path("<int:attachment_id>/", views.attachment_for_agent, name="attachment"),
    path("<int:attachment_id>/<str:signature>/", views.attachment_signed, name="attachment_signed"),
]
