"""Console pages, mounted at /app/education/ (one line in blockdesk/urls.py)."""

from django.urls import URLPattern, path

from blockdesk.education import views

app_name = "education"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("send-guide", views.send_guide, name="send_guide"),
    path("sessions/new", views.create_session, name="create_session"),
    path("sessions/<int:session_id>/recording", views.set_recording, name="recording"),
    path("welcome/new", views.add_step, name="add_step"),
]
