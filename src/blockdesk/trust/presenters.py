"""How a check result is told to a customer: a headline, an explanation, and the same
facts as a dict for the API. Strings are translated when called."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.trust.checker import CheckResult, Note, Verdict
from blockdesk.trust.lookalike import Technique
from blockdesk.trust.models import OfficialChannel, ReportedScam

TECHNIQUE_TEXT = {
    Technique.HOMOGLYPH: gettext_lazy(
        "It swaps letters for look-alikes from another alphabet or for digits (such as "
        "Cyrillic “а” for “a”, or “1” for “l”) to pass for %(official)s."
    ),
    Technique.SWAP: gettext_lazy("Two letters are swapped compared with %(official)s."),
    Technique.INSERTION: gettext_lazy("It has one character more than %(official)s."),
    Technique.DELETION: gettext_lazy("It has one character fewer than %(official)s."),
    Technique.REPLACEMENT: gettext_lazy("One character differs from %(official)s."),
    Technique.TYPO: gettext_lazy("It is spelled almost, but not exactly, like %(official)s."),
    Technique.HYPHEN: gettext_lazy(
        "It adds or removes a hyphen, dot or underscore compared with %(official)s."
    ),
    Technique.ADDED_WORD: gettext_lazy(
        "It adds a word such as “support” or “login” to our name, %(official)s."
    ),
    Technique.TLD: gettext_lazy("It uses our name with another ending than %(official)s."),
    Technique.SUBDOMAIN: gettext_lazy(
        "Our name only appears at the start: the site really belongs to %(owner)s, "
        "not to %(official)s."
    ),
    Technique.USERINFO: gettext_lazy(
        "The link hides our name before an “@”: it really opens %(owner)s, not %(official)s."
    ),
    Technique.OTHER_PLATFORM: gettext_lazy(
        "It uses our name, but it is not one of our official accounts. Ours is %(official)s."
    ),
    Technique.BRAND_IN_ADDRESS: gettext_lazy(
        "It puts our name in a mailbox anyone can open. We only write from %(official)s."
    ),
    Technique.ADDRESS_POISONING: gettext_lazy(
        "Its first and last characters match our address %(official)s, but the middle is "
        "different. This is “address poisoning”: never copy an address from your history."
    ),
}

NOTE_TEXT = {
    Note.UNLISTED_ON_OUR_DOMAIN: gettext_lazy(
        "It is on our domain, but it is not in our list of official channels."
    ),
    Note.IP_ADDRESS: gettext_lazy(
        "Our sites always use a name, never a bare IP address. Be careful with this link."
    ),
    Note.INVALID_ADDRESS: gettext_lazy(
        "This is not a valid crypto address (its checksum is wrong). Check it character "
        "by character."
    ),
}


def headline(result: CheckResult) -> str:
    if result.verdict == Verdict.YES:
        return _("Yes, this is us.")
    if result.reported is not None:
        return _("No, this is not us. It is a known scam.")
    if result.verdict == Verdict.NO:
        return _("No, this is not us. It imitates one of our channels.")
    return _("We don’t know this one. It is not in our list of official channels.")


def explanation(result: CheckResult) -> str:
    official = result.official
    if result.verdict == Verdict.YES and official is not None:
        return _("This is our official %(kind)s, in use since %(since)s.") % {
            "kind": official.get_kind_display().lower(),
            "since": official.since.isoformat(),
        }
    if result.reported is not None:
        return reported_text(result.reported)
    if result.verdict == Verdict.NO and official is not None and result.technique:
        host = result.query.host
        owner = host.registrable if host is not None else result.query.display
        return str(TECHNIQUE_TEXT[result.technique]) % {
            "official": official.display,
            "owner": owner,
        }
    if result.note:
        return str(NOTE_TEXT[result.note])
    return _(
        "If someone sent it to you claiming to be us, treat it as suspicious and contact "
        "us through a channel listed on this page."
    )


def channel_dict(channel: OfficialChannel) -> dict[str, Any]:
    """What anyone may know about an official channel (it is published on purpose)."""
    return {
        "kind": channel.kind,
        "kind_label": str(channel.get_kind_display()),
        "value": channel.display,
        "label": channel.label,
        "include_subdomains": channel.include_subdomains,
        "chain": channel.chain or None,
        "since": channel.since.isoformat(),
    }


def source_label(scam: ReportedScam) -> str:
    """Who confirmed it: us, or the peer whose feed reported it."""
    return scam.source or _("our team")


def reported_text(scam: ReportedScam) -> str:
    text = _("It was confirmed as a scam by %(source)s on %(date)s.") % {
        "source": source_label(scam),
        "date": scam.confirmed_on.isoformat(),
    }
    return f"{text} {scam.note}".strip() if scam.note else text


def reported_dict(scam: ReportedScam) -> dict[str, Any]:
    return {
        "kind": scam.kind,
        "value": scam.display,
        "note": scam.note,
        "source": source_label(scam),
        "from_peer": not scam.is_own,
        "confirmed_on": scam.confirmed_on.isoformat(),
    }


def result_dict(result: CheckResult) -> dict[str, Any]:
    official = channel_dict(result.official) if result.official is not None else None
    return {
        "verdict": result.verdict.value,
        "input_kind": result.query.kind.value,
        "normalized": result.query.display,
        "official": official if result.verdict == Verdict.YES else None,
        "imitates": official if result.verdict == Verdict.NO else None,
        "technique": result.technique.value if result.technique else None,
        "note": result.note.value or None,
        "reported": reported_dict(result.reported) if result.reported is not None else None,
        "headline": headline(result),
        "explanation": explanation(result),
    }


def scam_warning(scams: list[ReportedScam]) -> str | None:
    """One sentence for a customer who just pasted a known scam into the chat."""
    if not scams:
        return None
    first = scams[0]
    return _(
        "Warning: %(value)s is a known scam (confirmed by %(source)s). Never send it money, "
        "passwords or your recovery phrase."
    ) % {"value": first.display, "source": source_label(first)}
