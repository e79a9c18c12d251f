"""Mounted at the site root (one line in blockdesk/urls.py, before the workspace's
"app/"), since the pages live under three prefixes."""

from django.urls import path

from blockdesk.assistant import views, widget_views

app_name = "assistant"
urlpatterns = [
    path("app/settings/assistant/", views.settings_index, name="settings"),
    path("app/settings/assistant/<int:inbox_id>/", views.settings_inbox, name="settings_inbox"),
    path(
        "app/assistant/messages/<int:message_id>/articles",
        views.article_options,
        name="article_options",
    ),
    path("app/assistant/messages/<int:message_id>/correction", views.correct, name="correction"),
    path("app/assistant/c/<int:display_id>/take-over", views.take_over, name="take_over"),
    path(
        "assistant/widget/<str:public_token>/quick-reply",
        widget_views.quick_reply,
        name="widget_quick_reply",
    ),
]
