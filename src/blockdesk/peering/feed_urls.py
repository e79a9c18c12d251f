from django.urls import URLPattern, path

from blockdesk.peering import feed_views

app_name = "peering_feed"
urlpatterns: list[URLPattern] = [
    path("feed/<uuid:feed_id>/", feed_views.feed, name="feed"),
]
