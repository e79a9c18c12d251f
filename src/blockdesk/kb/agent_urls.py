from django.urls import path

from blockdesk.kb import agent_views as v

app_name = "kb_agent"
_tr = "<int:article_id>/<str:language>/"
urlpatterns = [
    path("", v.index, name="index"),
    path("new/", v.new, name="new"),
    path("new/from-conversation/<int:display_id>/", v.from_conversation, name="from_conversation"),
    path("stale/", v.stale, name="stale"),
    path("feedback/", v.feedback, name="feedback"),
    path("assets/", v.assets, name="assets"),
    path("import/", v.csv_import, name="import"),
    path("<int:article_id>/", v.article, name="article"),
    path("<int:article_id>/delete/", v.delete, name="delete"),
    path(_tr, v.edit, name="edit"),
    path(_tr + "status/", v.set_status, name="status"),
    path(_tr + "reviewed/", v.mark_reviewed, name="reviewed"),
    path(_tr + "history/", v.history, name="history"),
    path(_tr + "history/<int:number>/", v.revision, name="revision"),
    path(_tr + "history/<int:number>/rollback/", v.rollback, name="rollback"),
]
