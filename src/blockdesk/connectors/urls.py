from django.urls import path

from blockdesk.connectors import views

app_name = "connectors"

urlpatterns = [
    path("deliveries/<int:delivery_id>/retry/", views.retry_delivery, name="retry_delivery"),
    path(
        "conversations/<int:conversation_id>/reply-route/",
        views.choose_route,
        name="choose_route",
    ),
]
