"""Event labels: a type's own label, else the audit log's table, else its description."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from pydantic import BaseModel

from blockdesk.audit.labels import event_label
from blockdesk.events.registry import get_event_type, register_event_type, unregister_event_type


class Nothing(BaseModel):
    pass


@pytest.fixture
def temp_types() -> Iterator[None]:
    yield
    unregister_event_type("test.labelled")
    unregister_event_type("test.unlabelled")


def test_label_order(temp_types: None) -> None:
    labelled = dict(name="test.labelled", version=1, description="Long words.", payload=Nothing)
    register_event_type(**labelled, label=gettext_lazy("Agent"))  # type: ignore[arg-type]
    # Registering the same type again (a re-import) is fine, lazy label included.
    register_event_type(**labelled, label=gettext_lazy("Agent"))  # type: ignore[arg-type]
    register_event_type(
        name="test.unlabelled", version=1, description="What happened.", payload=Nothing
    )
    assert event_label("test.labelled") == "Agent"
    with translation.override("zh-hans"):
        assert event_label("test.labelled") == "客服"
    assert get_event_type("test.unlabelled").display_label == "What happened."
    assert event_label("test.unlabelled") == "What happened."
    assert event_label("api_token.created") == "API token created"
    assert event_label("gone.type") == "gone.type"  # an old event whose type is gone
