from django.urls import path

from blockdesk.statuspage import views

app_name = "statuspage"
urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/<int:incident_id>/", views.incident, name="incident"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("feed.rss", views.RssFeed(), name="rss"),
    path("feed.atom", views.AtomFeed(), name="atom"),
]
