from django.urls import path

from blockdesk.statuspage import console_views as views

app_name = "statuspage_console"
urlpatterns = [
    path("", views.index, name="index"),
    path("components/", views.add_component, name="add_component"),
    path("components/<int:component_id>/state/", views.set_state, name="set_state"),
    path("incidents/", views.open_incident, name="open_incident"),
    path("incidents/<int:incident_id>/updates/", views.post_update, name="post_update"),
]
