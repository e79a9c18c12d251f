from django.urls import URLPattern, path

from blockdesk.quality import views

app_name = "quality"
urlpatterns: list[URLPattern] = [
    path("", views.agent_scores, name="agents"),
    path("review/<int:display_id>/", views.review, name="review"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/<int:scorecard_id>/active/", views.scorecard_active, name="scorecard_active"),
    path("model-answers/", views.model_answers, name="model_answers"),
    path("model-answers.csv", views.model_answers_csv, name="model_answers_csv"),
    path("model-answers/<int:message_id>/", views.mark_model_answer, name="mark"),
]
