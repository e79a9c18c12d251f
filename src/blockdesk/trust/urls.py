from django.urls import URLPattern, path

from blockdesk.trust import views, widget_views

app_name = "trust"
urlpatterns: list[URLPattern] = [
    path("", views.verify, name="verify"),
    path(
        "widget/<str:public_token>/anti-phishing-code",
        widget_views.anti_phishing_code,
        name="widget_anti_phishing_code",
    ),
]
