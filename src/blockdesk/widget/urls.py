from django.urls import path

from blockdesk.widget import api, views

app_name = "widget"
urlpatterns = [
    path("loader.js", views.loader_js, name="loader"),
    path("frame/<str:public_token>/", views.frame, name="frame"),
    path("api/<str:public_token>/", api.unknown, {"rest": ""}, name="api_root"),
    path("api/<str:public_token>/session", api.start_session, name="api_session"),
    path("api/<str:public_token>/me", api.me, name="api_me"),
    path("api/<str:public_token>/conversations", api.conversations, name="api_conversations"),
    path(
        "api/<str:public_token>/conversations/<int:conversation_id>",
        api.conversation_detail,
        name="api_conversation",
    ),
    path(
        "api/<str:public_token>/conversations/<int:conversation_id>/followup",
        api.followup,
        name="api_followup",
    ),
    path(
        "api/<str:public_token>/conversations/<int:conversation_id>/elsewhere",
        api.conversation_elsewhere,
        name="api_conversation_elsewhere",
    ),
    path(
        "api/<str:public_token>/conversations/<int:conversation_id>/record",
        api.conversation_record,
        name="api_conversation_record",
    ),
    path("api/<str:public_token>/messages", api.messages, name="api_messages"),
    path("api/<str:public_token>/identity-link", api.identity_link, name="api_identity_link"),
    path("api/<str:public_token>/<path:rest>", api.unknown, name="api_unknown"),
]
