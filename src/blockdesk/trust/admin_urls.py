from django.urls import URLPattern, path

from blockdesk.trust import admin_views

app_name = "trust_admin"
urlpatterns: list[URLPattern] = [
    path("", admin_views.channel_list, name="list"),
    path("<int:channel_id>/", admin_views.channel_edit, name="edit"),
    path("<int:channel_id>/delete/", admin_views.channel_delete, name="delete"),
]
