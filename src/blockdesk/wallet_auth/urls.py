from django.urls import path

from blockdesk.wallet_auth import views

app_name = "wallet_auth"
urlpatterns = [
    path("sign-in/", views.sign_in_page, name="sign_in"),
    path("api/<str:public_token>/", views.status, name="api_root"),
    path("api/<str:public_token>/status", views.status, name="api_status"),
    path("api/<str:public_token>/challenge", views.challenge, name="api_challenge"),
    path("api/<str:public_token>/verify", views.verify, name="api_verify"),
    path("api/<str:public_token>/sign-out", views.sign_out, name="api_sign_out"),
]
