from django.urls import path

from blockdesk.forum import edit_views, feeds, member_views, post_views, views

app_name = "forum"
_q = "<str:language>/q/<int:question_id>/"
urlpatterns = [
    path("", views.root, name="root"),
    # Before the <language>/ patterns, which would otherwise take "vote" for a language.
    path("vote/<str:kind>/<int:post_id>/", post_views.vote, name="vote"),
    path("flag/<str:kind>/<int:post_id>/", post_views.flag, name="flag"),
    path("unsubscribe/<str:token>/", member_views.unsubscribe, name="unsubscribe"),
    path("<str:language>/", views.home, name="home"),
    path("<str:language>/search/", views.search, name="search"),
    path("<str:language>/related.json", views.related, name="related"),
    path("<str:language>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("<str:language>/settings/", member_views.settings_page, name="settings"),
    path("<str:language>/edit/<str:kind>/<int:post_id>/", edit_views.edit, name="edit"),
    path(
        "<str:language>/revisions/<str:kind>/<int:post_id>/",
        edit_views.revisions,
        name="revisions",
    ),
    path("<str:language>/u/<int:member_id>/", views.member, name="member"),
    path("<str:language>/t/<str:name>/", views.tag, name="tag"),
    path("<str:language>/c/<str:slug>/", views.category, name="category"),
    path("<str:language>/c/<str:slug>/ask/", post_views.ask, name="ask"),
    path("<str:language>/c/<str:slug>/feed.atom", feeds.CategoryAtom(), name="feed_atom"),
    path("<str:language>/c/<str:slug>/feed.rss", feeds.CategoryRss(), name="feed_rss"),
    path(_q, views.question, name="question"),
    path(_q + "answer/", post_views.answer, name="answer"),
    path(_q + "comment/", post_views.comment, name="comment"),
    path(_q + "accept/<int:answer_id>/", post_views.accept, name="accept"),
]
