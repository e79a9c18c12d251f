"""Console pages, mounted at /app/education/ (one line in blockdesk/urls.py)."""

from django.urls import URLPattern, path

from blockdesk.education import admin_views, views

app_name = "education"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("send-guide", views.send_guide, name="send_guide"),
    path("sessions/new", views.create_session, name="create_session"),
    path("sessions/<int:session_id>/recording", views.set_recording, name="recording"),
    path("welcome/new", views.add_step, name="add_step"),
    path("welcome/<int:step_id>/", admin_views.step_edit, name="step_edit"),
    path("welcome/<int:step_id>/delete", admin_views.step_delete, name="step_delete"),
    path("welcome/<int:step_id>/move", admin_views.step_move, name="step_move"),
    path("guides/new", admin_views.guide_new, name="guide_new"),
    path("guides/<int:guide_id>/", admin_views.guide_edit, name="guide_edit"),
    path("guides/<int:guide_id>/delete", admin_views.guide_delete, name="guide_delete"),
    path("guides/<int:guide_id>/lessons/new", admin_views.lesson_new, name="lesson_new"),
    path(
        "guides/<int:guide_id>/lessons/<int:lesson_id>/",
        admin_views.lesson_edit,
        name="lesson_edit",
    ),
    path(
        "guides/<int:guide_id>/lessons/<int:lesson_id>/delete",
        admin_views.lesson_delete,
        name="lesson_delete",
    ),
    path(
        "guides/<int:guide_id>/lessons/<int:lesson_id>/move",
        admin_views.lesson_move,
        name="lesson_move",
    ),
]
