from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "blockdesk.demo"
    label = "demo"
