from django.urls import path

from blockdesk.kb import views

app_name = "kb"
_article = "<str:language>/<slug:category>/<slug:slug>/"
urlpatterns = [
    path("", views.root, name="root"),
    path("assets/<uuid:uid>/<str:filename>", views.asset, name="asset"),
    path("<str:language>/", views.home, name="home"),
    path("<str:language>/search/", views.search, name="search"),
    path("<str:language>/search.json", views.search_json, name="search_json"),
    path("<str:language>/<slug:category>/", views.category, name="category"),
    path(_article, views.article, name="article"),
    path(_article + "feedback/", views.feedback, name="feedback"),
]
