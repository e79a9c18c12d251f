from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "blockdesk.widget"
    label = "widget"
