"""Reads: the registry (public and for agents), the "Is this really us?" check, and a
customer's anti-phishing code."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.conversations.models import Contact
from blockdesk.trust.checker import CheckResult, check
from blockdesk.trust.models import AntiPhishingCode, OfficialChannel, ReportedScam
from blockdesk.trust.normalize import NormalizeError, Parsed, parse_any
from blockdesk.trust.scam_match import find_reported


def public_account() -> Account | None:
    # One installation answers for one business: the first account (as the help center).
    return Account.objects.order_by("pk").first()


def official_channels(*, account_id: int) -> QuerySet[OfficialChannel]:
    return OfficialChannel.objects.filter(account_id=account_id).order_by("kind", "display")


def channels_for_agent(*, user: User) -> QuerySet[OfficialChannel]:
    """Every agent of the account may read the registry (to answer customers with it)."""
    return official_channels(account_id=user.account_pk)


def get_official_channel(*, account_id: int, channel_id: int) -> OfficialChannel:
    channel = OfficialChannel.objects.filter(account_id=account_id, pk=channel_id).first()
    if channel is None:
        # Another account's id answers like a missing one.
        raise NotFound()
    return channel


def check_value(*, account_id: int, value: str) -> CheckResult:
    """yes / no / unknown for anything a customer pastes. Registries are small (tens of
    entries), so every check compares against all of them."""
    try:
        parsed = parse_any(value)
    except NormalizeError as exc:
        raise ValidationFailed.field("value", str(exc)) from exc
    return check(
        parsed,
        list(official_channels(account_id=account_id)),
        list(reported_scams_matching(account_id=account_id, parsed=parsed)),
    )


def reported_scams(*, account_id: int) -> QuerySet[ReportedScam]:
    """Every confirmed scam: the account's own and those its trusted peers reported."""
    return ReportedScam.objects.filter(account_id=account_id).order_by("kind", "value", "pk")


def get_reported_scam(*, account_id: int, scam_id: int) -> ReportedScam:
    scam = ReportedScam.objects.filter(account_id=account_id, pk=scam_id).first()
    if scam is None:
        raise NotFound()
    return scam


def reported_scams_matching(*, account_id: int, parsed: Parsed) -> QuerySet[ReportedScam]:
    """The candidates for one value, found by index (a peer's list can be long): the
    exact value, or a reported domain the host sits under."""
    return reported_scams(account_id=account_id).filter(value__in=_candidates(parsed))


def _candidates(parsed: Parsed) -> set[str]:
    values = {parsed.value}
    if parsed.host is not None:
        labels = parsed.host.ascii.split(".")
        values |= {".".join(labels[i:]) for i in range(len(labels) - 1)}
    return values


# Words of a message worth checking: links, domains, mailboxes, @handles, addresses.
_TOKEN_RE = re.compile(r"[^\s<>\"'()\[\]{}，。、；！？]+")
_CHECKABLE_RE = re.compile(r"(\.[^\W\d_]{2,}|^@\w{3,}|^(0x)?[0-9a-zA-Z]{25,}$)")
MAX_TOKENS = 30


def scams_in_text(*, account_id: int, text: str) -> list[ReportedScam]:
    """The confirmed scams a free text mentions (one query, whatever its length): what the
    widget warns a customer about, and what a forum link guard holds a post for."""
    parsed_tokens: list[Parsed] = []
    for raw in _TOKEN_RE.findall(text or "")[:2000]:
        token = raw.strip(".,;:!?")
        if not _CHECKABLE_RE.search(token):
            continue
        try:
            parsed_tokens.append(parse_any(token))
        except NormalizeError:
            continue
        if len(parsed_tokens) >= MAX_TOKENS:
            break
    if not parsed_tokens:
        return []
    values = set().union(*(_candidates(p) for p in parsed_tokens))
    rows = list(reported_scams(account_id=account_id).filter(value__in=values))
    found: dict[int, ReportedScam] = {}
    for parsed in parsed_tokens:
        hit = find_reported(parsed, rows)
        if hit is not None:
            found.setdefault(hit.pk, hit)
    return list(found.values())


def find_reported_scam(*, account_id: int, value: str) -> ReportedScam | None:
    """The report a pasted value matches, if any (None for anything unparseable): for
    guards that scan text, such as the forum's link check and the widget's warnings."""
    try:
        parsed = parse_any(value)
    except NormalizeError:
        return None
    return find_reported(parsed, reported_scams_matching(account_id=account_id, parsed=parsed))


def anti_phishing_code_for(contact: Contact) -> str | None:
    """The customer's own code, to print in every message support sends them (widget
    and reply emails). None when they have not set one."""
    row = AntiPhishingCode.objects.filter(contact_id=contact.pk).values_list("code", flat=True)
    return row.first()


def anti_phishing_code_for_conversation(conversation_id: int) -> str | None:
    """The code of the customer a conversation belongs to, in one query."""
    row = AntiPhishingCode.objects.filter(contact__conversations__id=conversation_id)
    return row.values_list("code", flat=True).first()
