"""The widget's queue endpoint, at /routing/widget/<public_token>/queue (one line in
blockdesk/urls.py)."""

from django.urls import URLPattern, path

from blockdesk.routing import widget_views

app_name = "routing_public"
urlpatterns: list[URLPattern] = [
    path("widget/<str:public_token>/queue", widget_views.place, name="widget_queue"),
]
