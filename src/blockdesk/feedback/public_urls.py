"""Public pages, mounted at /feedback/ (one line in blockdesk/urls.py)."""

from django.urls import URLPattern, path

from blockdesk.feedback import public_views

app_name = "feedback_public"
urlpatterns: list[URLPattern] = [
    path("", public_views.index, name="index"),
    path("roadmap/", public_views.roadmap, name="roadmap"),
    path("new", public_views.post, name="post"),
    path("<int:suggestion_id>/", public_views.detail, name="detail"),
    path("<int:suggestion_id>/vote", public_views.vote, name="vote"),
]
