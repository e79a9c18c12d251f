from django.urls import URLPattern, path

from blockdesk.audit import consumer_views as views

app_name = "event_consumers"
urlpatterns: list[URLPattern] = [
    path("", views.status, name="status"),
    path("retry-dead/", views.retry_dead, name="retry_dead"),
]
