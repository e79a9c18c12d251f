"""The console's customer-profile actions (merge, split), under /app/contacts/."""

from django.urls import path

from blockdesk.conversations import views

app_name = "contacts"
urlpatterns = [
    path("<int:contact_id>/merge/", views.merge_contacts, name="merge"),
    path("identities/<int:identity_id>/split/", views.split_identity, name="split"),
]
