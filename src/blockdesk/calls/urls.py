from django.urls import URLPattern, path

from blockdesk.calls import views

app_name = "calls_settings"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("configure/", views.configure, name="configure"),
]
