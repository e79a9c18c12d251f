"""Public pages, mounted at /learn/ (one line in blockdesk/urls.py)."""

from django.urls import URLPattern, path

from blockdesk.education import public_views

app_name = "education_public"
urlpatterns: list[URLPattern] = [
    path("", public_views.index, name="index"),
    path("sessions/<int:session_id>/", public_views.session, name="session"),
    path("sessions/<int:session_id>/register", public_views.register, name="register"),
    path("sessions/<int:session_id>.ics", public_views.session_ics, name="session_ics"),
    path("unsubscribe/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", public_views.guide, name="guide"),
    path("<slug:slug>/<int:number>/", public_views.lesson, name="lesson"),
]
