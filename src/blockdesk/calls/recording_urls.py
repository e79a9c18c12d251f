from django.urls import URLPattern, path

from blockdesk.calls import views

app_name = "call_recordings"
urlpatterns: list[URLPattern] = [
    path("<int:call_id>/recording/", views.upload_recording, name="upload"),
    path("recordings/<int:recording_id>/", views.play_recording, name="file"),
]
