from django.urls import URLPattern, path

from blockdesk.audit import views

app_name = "audit"
urlpatterns: list[URLPattern] = [
    path("", views.log, name="log"),
    path("export.csv", views.export_csv, name="export"),
]
