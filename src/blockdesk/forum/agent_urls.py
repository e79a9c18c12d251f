from django.urls import path

from blockdesk.forum import agent_views

app_name = "forum_agent"
urlpatterns = [
    path("", agent_views.queue, name="queue"),
    path("moderate/<str:kind>/<int:post_id>/", agent_views.moderate, name="moderate"),
    path("q/<int:question_id>/answer/", agent_views.official_answer, name="official_answer"),
    path(
        "q/<int:question_id>/conversation/", agent_views.open_conversation, name="open_conversation"
    ),
    path("a/<int:answer_id>/article/", agent_views.draft_article, name="draft_article"),
]
