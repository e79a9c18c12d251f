"""Settings writes (administrators, or an API token with the write scope): an inbox's
routing, an agent's capacity and skills. Checked here, whoever asks."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.conversations.models import Inbox
from blockdesk.routing.facts import add_items, primary_language
from blockdesk.routing.models import AgentRouting, InboxRouting
from blockdesk.safety.fields import check_no_secret

MAX_SKILLS = 30


def _clean(instance: InboxRouting | AgentRouting) -> None:
    try:
        instance.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def check_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_account_admin:
        raise Forbidden()


def config_for(inbox: Inbox) -> InboxRouting:
    config, _created = InboxRouting.objects.get_or_create(
        inbox_id=inbox.pk, defaults={"account_id": inbox.account_id}
    )
    return config


def do_update_inbox_routing(
    *,
    actor: User | None,
    inbox: Inbox,
    mode: str,
    silence_minutes: int,
    handle_minutes: int,
    show_queue_in_widget: bool,
) -> InboxRouting:
    check_admin(actor)
    if mode not in InboxRouting.Mode.values:
        raise ValidationFailed.field("mode", _("Unknown mode."))
    with transaction.atomic():
        config = config_for(inbox)
        config.mode = mode
        config.silence_minutes = silence_minutes
        config.handle_minutes = handle_minutes
        config.show_queue_in_widget = show_queue_in_widget
        _clean(config)
        config.save()
    return config


def clean_skills(values: list[str], field: str) -> list[str]:
    # One skill at a time: a list of ordinary words could read as a seed phrase joined.
    for value in values:
        check_no_secret(str(value), field=field)
    cleaned = add_items([], [str(v) for v in values])
    if field == "languages":
        cleaned = add_items([], [primary_language(v) for v in cleaned])
    if len(cleaned) > MAX_SKILLS:
        raise ValidationFailed.field(field, _("At most %(n)s entries.") % {"n": MAX_SKILLS})
    return cleaned


def clean_channel_capacity(raw: dict[str, object]) -> dict[str, int]:
    result: dict[str, int] = {}
    for kind, value in raw.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 200:
            raise ValidationFailed.field(
                "channel_capacity", _("Each limit is a number from 0 to 200.")
            )
        result[str(kind)[:32]] = value
    return result


def do_update_agent_routing(
    *,
    actor: User | None,
    agent: User,
    capacity: int,
    channel_capacity: dict[str, object],
    languages: list[str],
    chains: list[str],
    topics: list[str],
) -> AgentRouting:
    check_admin(actor)
    if actor is not None and actor.account_id != agent.account_id:
        raise Forbidden()
    with transaction.atomic():
        row, _created = AgentRouting.objects.get_or_create(
            user_id=agent.pk, defaults={"account_id": agent.account_id}
        )
        row.capacity = capacity
        row.channel_capacity = clean_channel_capacity(channel_capacity)
        row.languages = clean_skills(languages, "languages")
        row.chains = clean_skills(chains, "chains")
        row.topics = clean_skills(topics, "topics")
        _clean(row)
        row.save()
    return row
