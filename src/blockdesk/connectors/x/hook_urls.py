"""Public: the optional Account Activity webhook (mounted at /hooks/x/)."""

from django.urls import path

from blockdesk.connectors.x import views

app_name = "x_hooks"

urlpatterns = [path("<int:inbox_id>/webhook/", views.webhook, name="webhook")]
