from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "blockdesk.workspace"
    label = "workspace"
