from django.apps import AppConfig


class MoodConfig(AppConfig):
    name = "blockdesk.mood"
    label = "mood"
    default_auto_field = "django.db.models.BigAutoField"
