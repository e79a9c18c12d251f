from django.urls import path

from blockdesk.workspace import views

app_name = "workspace"
urlpatterns: list = [path("", views.inbox, name="inbox")]
