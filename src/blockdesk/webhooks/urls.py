from django.urls import URLPattern, path

from blockdesk.webhooks import views

app_name = "webhooks"
urlpatterns: list[URLPattern] = [
    path("", views.webhook_list, name="list"),
    path("new/", views.webhook_create, name="create"),
    path("<int:webhook_id>/", views.webhook_detail, name="detail"),
    path("<int:webhook_id>/secret/", views.webhook_secret, name="secret"),
    path("<int:webhook_id>/rotate-secret/", views.webhook_rotate_secret, name="rotate_secret"),
    path("<int:webhook_id>/active/", views.webhook_set_active, name="set_active"),
    path("<int:webhook_id>/delete/", views.webhook_delete, name="delete"),
    path("<int:webhook_id>/ping/", views.webhook_ping, name="ping"),
    path("<int:webhook_id>/retry-failed/", views.webhook_retry_failed, name="retry_failed"),
    path(
        "<int:webhook_id>/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry,
        name="retry",
    ),
]
