from django.urls import URLPattern, path

from blockdesk.routing import views

app_name = "presence"
urlpatterns: list[URLPattern] = [path("", views.presence, name="set")]
