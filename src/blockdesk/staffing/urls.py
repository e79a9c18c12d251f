from django.urls import URLPattern, path

from blockdesk.staffing import views

app_name = "staffing"
urlpatterns: list[URLPattern] = [
    path("", views.week, name="week"),
]
