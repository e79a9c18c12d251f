from django.urls import URLPattern, path

from blockdesk.calls import recording_views

app_name = "call_recordings"
urlpatterns: list[URLPattern] = [
    path("<int:call_id>/recording/", recording_views.upload, name="upload"),
    path("recordings/<int:recording_id>/", recording_views.play, name="file"),
]
