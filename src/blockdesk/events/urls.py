from django.urls import URLPattern, path

from blockdesk.events import views

app_name = "events"
urlpatterns: list[URLPattern] = [
    path("", views.status, name="status"),
    path("retry-dead/", views.retry_dead, name="retry_dead"),
]
