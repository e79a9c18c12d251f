from django.urls import URLPattern, path

from blockdesk.peering import views

app_name = "peering"
urlpatterns: list[URLPattern] = [
    path("", views.publish, name="publish"),
    path("settings/", views.publish_settings, name="publish_settings"),
    path("articles/", views.share_articles, name="share_articles"),
    path("rotate-key/", views.rotate_key, name="rotate_key"),
    path("scams/", views.scams, name="scams"),
    path("scams/<int:scam_id>/delete/", views.scam_delete, name="scam_delete"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path(
        "subscriptions/<int:subscription_id>/<str:action>/",
        views.subscription_action,
        name="subscription_action",
    ),
    path("review/", views.review, name="review"),
    path("review/<int:item_id>/<str:action>/", views.review_action, name="review_action"),
]
