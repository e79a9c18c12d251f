from django.urls import URLPattern, path

from blockdesk.records import views

app_name = "records"
urlpatterns: list[URLPattern] = [
    path("<str:receipt_id>/", views.receipt_page, name="receipt"),
    path("<str:receipt_id>/receipt.json", views.receipt_json, name="receipt_json"),
]
