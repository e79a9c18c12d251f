"""Re-render stored article HTML with the CommonMark renderer (issue 16): bodies saved
before it show nested lists flattened into one paragraph."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def rerender(apps: Any, schema_editor: Any) -> None:
    # The current renderer on purpose: the point is to refresh HTML made by the old one.
    from blockdesk.kb.markdown import render_markdown

    Translation = apps.get_model("kb", "ArticleTranslation")
    for tr in Translation.objects.only("pk", "title", "body").iterator(chunk_size=200):
        html = render_markdown(tr.body, title=tr.title)
        Translation.objects.filter(pk=tr.pk).update(body_html=html)


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_synonym")]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop)]
