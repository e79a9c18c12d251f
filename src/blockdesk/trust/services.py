"""Writes: the official-channel registry (administrators) and a customer's own
anti-phishing code."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.chain.addresses import ChainFamily
from blockdesk.common.errors import Conflict, Forbidden, ValidationFailed
from blockdesk.conversations.models import Contact
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.trust.models import AntiPhishingCode, OfficialChannel
from blockdesk.trust.normalize import NormalizeError, Parsed, normalize_for_kind

K = OfficialChannel.Kind
EVM_CHAINS = {"ethereum", "bsc", "polygon", "arbitrum", "optimism", "base"}
_CHAIN_FAMILY = {
    **dict.fromkeys(EVM_CHAINS, ChainFamily.EVM),
    "tron": ChainFamily.TRON,
    "bitcoin": ChainFamily.BITCOIN,
}

CODE_MIN, CODE_MAX = 4, 20
# Letters of any script, digits, spaces and a little punctuation: enough for
# "BLUE-TIGER" or "蓝色老虎", too little for markup or a link.
_CODE_CHARS_RE = re.compile(r"^[\w \-.!?#*+=:,]+$")
_CODE_LINK_RE = re.compile(r"(://|www\.|[a-z0-9-]\.[a-z]{2,}\b|@)", re.IGNORECASE)


# --- the registry -------------------------------------------------------------------------


def check_can_manage(*, actor: User, account_id: int) -> None:
    """Only an administrator of the same account changes the registry."""
    if actor.account_id != account_id or not actor.is_account_admin:
        raise Forbidden(_("Only administrators can change the official channels."))


def check_official_channel(
    *, kind: str, value: str, include_subdomains: bool = False, chain: str = ""
) -> Parsed:
    """Normalises `value` as `kind`; raises ValidationFailed naming the field."""
    if kind not in K.values:
        raise ValidationFailed.field("kind", _("Choose a kind of channel."))
    try:
        parsed = normalize_for_kind(kind, value)
    except NormalizeError as exc:
        raise ValidationFailed.field("value", str(exc)) from exc
    if include_subdomains and kind != K.DOMAIN:
        raise ValidationFailed.field(
            "include_subdomains", _("Only a website domain can include its subdomains.")
        )
    if chain:
        if kind != K.ADDRESS:
            raise ValidationFailed.field("chain", _("Only a crypto address has a chain."))
        family = _CHAIN_FAMILY.get(chain)
        if family is None or (parsed.address is not None and parsed.address.family != family):
            raise ValidationFailed.field(
                "chain", _("This address does not belong to the chain chosen.")
            )
    return parsed


def _save(channel: OfficialChannel) -> OfficialChannel:
    try:
        channel.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    duplicate = OfficialChannel.objects.filter(
        account_id=channel.account_id, kind=channel.kind, value=channel.value
    ).exclude(pk=channel.pk)
    if duplicate.exists():
        raise Conflict(_("This channel is already in the list."), code="duplicate")
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError as exc:  # a concurrent twin slipped past the check above
        raise Conflict(_("This channel is already in the list."), code="duplicate") from exc
    return channel


_FACTS = ("value", "label", "include_subdomains", "chain", "since")


def _facts(channel: OfficialChannel) -> dict[str, object]:
    return {
        "id": channel.pk,
        "kind": channel.kind,
        "value": channel.display,
        "label": channel.label,
        "include_subdomains": channel.include_subdomains,
        "chain": channel.chain,
        "since": channel.since,
    }


def _emit(
    name: str,
    channel: OfficialChannel,
    *,
    actor: User | None,
    api_token_id: int | None,
    **data: object,
) -> None:
    if actor is not None:
        who = Actor.agent(actor.pk)
    elif api_token_id is not None:
        who = Actor.api_token(api_token_id)
    else:
        who = Actor.system()  # set-up scripts, the demo
    emit(
        account_id=channel.account_id,
        name=name,
        payload={"channel": _facts(channel), **data},
        actor=who,
        subject=Subject("official_channel", channel.pk),
    )


def do_create_official_channel(
    *,
    account_id: int,
    actor: User | None,
    kind: str,
    value: str,
    label: str = "",
    include_subdomains: bool = False,
    chain: str = "",
    since: dt.date | None = None,
    api_token_id: int | None = None,
) -> OfficialChannel:
    """`actor` is the administrator (web) or None for an API token (`api_token_id`, for
    the event log) whose scope the caller has checked."""
    if actor is not None:
        check_can_manage(actor=actor, account_id=account_id)
    parsed = check_official_channel(
        kind=kind, value=value, include_subdomains=include_subdomains, chain=chain
    )
    channel = OfficialChannel(
        account_id=account_id,
        kind=kind,
        value=parsed.value,
        display=parsed.display[:255],
        label=label.strip(),
        include_subdomains=include_subdomains,
        chain=chain,
        since=since or timezone.localdate(),
        created_by=actor,
    )
    with transaction.atomic():
        _save(channel)
        _emit("official_channel.added", channel, actor=actor, api_token_id=api_token_id)
    return channel


def do_update_official_channel(
    *,
    channel: OfficialChannel,
    actor: User | None,
    value: str | None = None,
    label: str | None = None,
    include_subdomains: bool | None = None,
    chain: str | None = None,
    since: dt.date | None = None,
    api_token_id: int | None = None,
) -> OfficialChannel:
    """Changes what is given; the kind stays (delete and add to change it)."""
    if actor is not None:
        check_can_manage(actor=actor, account_id=channel.account_id)
    subdomains = channel.include_subdomains if include_subdomains is None else include_subdomains
    new_chain = channel.chain if chain is None else chain
    parsed = check_official_channel(
        kind=channel.kind,
        value=channel.display if value is None else value,
        include_subdomains=subdomains,
        chain=new_chain,
    )
    before = _facts(channel)
    channel.value, channel.display = parsed.value, parsed.display[:255]
    channel.include_subdomains, channel.chain = subdomains, new_chain
    if label is not None:
        channel.label = label.strip()
    if since is not None:
        channel.since = since
    after = _facts(channel)
    changed = [f for f in _FACTS if before[f] != after[f]]
    with transaction.atomic():
        _save(channel)
        if changed:
            old_value = before["value"] if "value" in changed else None
            _emit(
                "official_channel.changed",
                channel,
                actor=actor,
                api_token_id=api_token_id,
                changed=changed,
                old_value=old_value,
            )
    return channel


def do_delete_official_channel(
    *, channel: OfficialChannel, actor: User | None, api_token_id: int | None = None
) -> None:
    if actor is not None:
        check_can_manage(actor=actor, account_id=channel.account_id)
    with transaction.atomic():
        _emit("official_channel.removed", channel, actor=actor, api_token_id=api_token_id)
        channel.delete()


# --- anti-phishing codes -----------------------------------------------------------------


def check_anti_phishing_code(*, code: str) -> str:
    """A short phrase, 4-20 characters, no links; returns it tidied."""
    text = " ".join(unicodedata.normalize("NFKC", code or "").split())
    if not CODE_MIN <= len(text) <= CODE_MAX:
        raise ValidationFailed.field(
            "code",
            _("Choose a code of %(min)d to %(max)d characters.")
            % {"min": CODE_MIN, "max": CODE_MAX},
        )
    if _CODE_LINK_RE.search(text):
        raise ValidationFailed.field("code", _("The code cannot contain a link or an address."))
    if not _CODE_CHARS_RE.match(text):
        raise ValidationFailed.field(
            "code", _("Use letters, digits, spaces and simple punctuation only.")
        )
    return text


def do_set_anti_phishing_code(*, contact: Contact, code: str) -> str:
    text = check_anti_phishing_code(code=code)
    AntiPhishingCode.objects.update_or_create(
        contact=contact, defaults={"account_id": contact.account_id, "code": text}
    )
    return text


def do_clear_anti_phishing_code(*, contact: Contact) -> None:
    AntiPhishingCode.objects.filter(contact=contact).delete()
