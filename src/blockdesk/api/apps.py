from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "blockdesk.api"
    label = "api"
