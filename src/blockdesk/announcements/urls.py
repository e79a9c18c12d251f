from django.urls import path

from blockdesk.announcements import views

app_name = "announcements"
urlpatterns = [
    path("", views.root, name="root"),
    path("dismiss/<int:post_id>/", views.dismiss, name="dismiss"),
    path("<str:language>/", views.home, name="home"),
    path("<str:language>/feed.rss", views.RssFeed(), name="rss"),
    path("<str:language>/feed.atom", views.AtomFeed(), name="atom"),
    path("<str:language>/subscribe/", views.subscribe, name="subscribe"),
    path("<str:language>/<slug:slug>/", views.post, name="post"),
]
