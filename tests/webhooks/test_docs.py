"""docs/webhooks.md publishes the JSON Schema of every event webhooks can send; it must
match the registry. To refresh it: BLOCKDESK_WRITE_DOCS=1 pytest tests/webhooks/test_docs.py"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from blockdesk.events.registry import get_event_type, json_schema
from blockdesk.webhooks.services import webhook_event_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
BEGIN = "<!-- event-schemas:begin (generated: tests/webhooks/test_docs.py) -->"
END = "<!-- event-schemas:end -->"


def render() -> str:
    parts = [BEGIN, ""]
    for name in webhook_event_names():
        if name.startswith("test."):
            continue  # types the test suite registers
        event_type = get_event_type(name)
        parts += [
            f"### `{name}` (version {event_type.version})",
            "",
            event_type.description,
            "",
            "```json",
            json.dumps(json_schema(name), indent=2, ensure_ascii=False),
            "```",
            "",
        ]
    parts.append(END)
    return "\n".join(parts)


def test_docs_list_the_schema_of_every_webhook_event() -> None:
    text = DOC.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    expected = render()
    if os.environ.get("BLOCKDESK_WRITE_DOCS"):
        DOC.write_text(pattern.sub(lambda _m: expected, text))
        text = DOC.read_text()
    match = pattern.search(text)
    assert match is not None, f"{DOC} has no generated schema section"
    assert match.group(0) == expected, "docs/webhooks.md is stale: see this file's docstring"
