from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "blockdesk.kb"
    label = "kb"

    def ready(self) -> None:
        # Admin-edited synonym groups join the packaged ones as query expansion.
        from blockdesk.kb.search.synonyms import set_synonym_source
        from blockdesk.kb.synonym_services import synonym_groups

        set_synonym_source(synonym_groups)
