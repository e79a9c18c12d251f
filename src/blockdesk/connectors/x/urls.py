from django.urls import path

from blockdesk.connectors.x import views

app_name = "x_channel"

urlpatterns = [
    path("", views.x_inbox, name="list"),
    path("<int:inbox_id>/", views.x_inbox, name="edit"),
]
