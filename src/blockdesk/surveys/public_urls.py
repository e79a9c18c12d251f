"""Public pages, mounted at /survey/ (one line in blockdesk/urls.py): the rating and NPS
pages of signed links, the published figures, and the widget's rating endpoint."""

from django.urls import URLPattern, path

from blockdesk.surveys import public_views, widget_views

app_name = "surveys_public"
urlpatterns: list[URLPattern] = [
    path("rate/<str:token>/", public_views.rate, name="rate"),
    path("nps/<str:token>/", public_views.nps_page, name="nps"),
    path("results/<str:public_id>/", public_views.public_figures, name="figures"),
    path("widget/<str:public_token>/rate", widget_views.rate, name="widget_rate"),
]
