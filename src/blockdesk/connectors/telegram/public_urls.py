"""Telegram's webhook and the widget's deep-link endpoint (no session, no CSRF: the
webhook's proof is its secret header, the widget's its visitor token)."""

from django.urls import path

from blockdesk.connectors.telegram import webhook, widget_views

urlpatterns = [
    path("webhook/<int:inbox_id>/", webhook.telegram_webhook, name="telegram_webhook"),
    path(
        "widget/<str:public_token>/link",
        widget_views.telegram_link,
        name="telegram_widget_link",
    ),
]
