from django.urls import URLPattern, path

from blockdesk.records import settings_views as views

app_name = "records_settings"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("configure/", views.configure, name="configure"),
    path("wallet/", views.wallet, name="wallet"),
    path("anchor-now/", views.anchor_now, name="anchor_now"),
    path("anchors/<int:anchor_id>/retry/", views.retry, name="retry"),
    path("rotate-key/", views.rotate_key, name="rotate_key"),
]
