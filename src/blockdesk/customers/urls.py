from django.urls import path

from blockdesk.customers import views

app_name = "customers"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/sent/", views.link_sent, name="link_sent"),
    path("link/<str:token>/", views.link, name="link"),
    path("wallet/challenge/", views.wallet_challenge, name="wallet_challenge"),
    path("wallet/verify/", views.wallet_verify, name="wallet_verify"),
    path("profile/", views.profile, name="profile"),
    path("sign-out/", views.sign_out, name="sign_out"),
]
