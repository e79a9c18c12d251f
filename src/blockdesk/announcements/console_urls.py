from django.urls import path

from blockdesk.announcements import console_views as views

app_name = "announcements_console"
urlpatterns = [
    path("", views.post_list, name="list"),
    path("new/", views.edit, name="new"),
    path("<int:post_id>/", views.edit, name="edit"),
    path("<int:post_id>/publish/", views.publish, name="publish"),
    path("<int:post_id>/withdraw/", views.withdraw, name="withdraw"),
]
