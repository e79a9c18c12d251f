"""A rule whose name Django refuses says why (before, every refusal read "Give the rule a
name.", a 200-character name too)."""

from __future__ import annotations

import pytest

from blockdesk.common.errors import ValidationFailed
from blockdesk.triage import services

GOOD = {"conditions": {"keyword": ["x"]}, "actions": {"tags": ["y"]}}


@pytest.mark.django_db
def test_a_blank_name_and_a_long_name_are_told_apart(admin_user):
    with pytest.raises(ValidationFailed) as blank:
        services.do_save_rule(
            actor=admin_user, rule=None, name="  ", enabled=True, position=0, **GOOD
        )
    assert blank.value.fields == {"name": ["Give the rule a name."]}
    with pytest.raises(ValidationFailed) as long:
        services.do_save_rule(
            actor=admin_user, rule=None, name="n" * 101, enabled=True, position=0, **GOOD
        )
    assert "100" in long.value.fields["name"][0]
