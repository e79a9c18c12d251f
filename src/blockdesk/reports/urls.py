from django.urls import URLPattern, path

from blockdesk.reports import views

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path("", views.overview, name="overview"),
    path("agents/", views.agents, name="agents"),
    path("<slug:key>.csv", views.export_csv, name="csv"),
]
