"""The answer to "Is this really us?" for one normalised value against the registry.

Pure: takes the parsed value and the account's official channels (model instances,
saved or not) and returns yes (official), no (imitates one of ours) or unknown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from blockdesk.trust.lookalike import (
    Technique,
    address_poisoning,
    compact,
    compare_names,
    contains_name,
    skeleton,
)
from blockdesk.trust.models import OfficialChannel, ReportedScam
from blockdesk.trust.normalize import Host, Kind, NormalizeError, Parsed, Platform, parse_host
from blockdesk.trust.scam_match import find_reported

K = OfficialChannel.Kind
HANDLE_KINDS = {K.TELEGRAM: Platform.TELEGRAM, K.DISCORD: Platform.DISCORD, K.X: Platform.X}
# When one value imitates several entries, the closest imitation wins: an exact copy
# in another alphabet or under another ending before a typo, a typo before an added word.
_CLOSENESS = {
    Technique.ADDED_WORD: 3,
    Technique.HYPHEN: 1,
    Technique.TYPO: 2,
    Technique.SWAP: 1,
    Technique.INSERTION: 1,
    Technique.DELETION: 1,
    Technique.REPLACEMENT: 1,
    Technique.BRAND_IN_ADDRESS: 3,
}
_RANK = {t: i for i, t in enumerate(Technique)}


class Verdict(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Note(StrEnum):
    """Why an "unknown" is not a plain "never heard of it"."""

    NONE = ""
    UNLISTED_ON_OUR_DOMAIN = "unlisted_on_our_domain"  # our domain, but not a listed host/box
    IP_ADDRESS = "ip_address"  # a bare IP: we never send people to one
    INVALID_ADDRESS = "invalid_address"  # shaped like a crypto address, fails its checksum


@dataclass(frozen=True)
class CheckResult:
    verdict: Verdict
    query: Parsed
    official: OfficialChannel | None = None  # the match (yes) or the imitated one (no)
    technique: Technique | None = None
    note: Note = Note.NONE
    # A confirmed scam report (ours or a trusted peer's) the value matches: the answer is
    # "no" even when it imitates nothing of ours.
    reported: ReportedScam | None = None


@dataclass(frozen=True)
class _Lookalike:
    official: OfficialChannel
    technique: Technique
    distance: int = 0
    other_platform: bool = False

    def key(self) -> tuple[int, bool, int]:
        closeness = max(self.distance, _CLOSENESS.get(self.technique, 0))
        return (closeness, self.other_platform, _RANK[self.technique])


def _host_of(entry: OfficialChannel) -> Host | None:
    try:
        return parse_host(entry.value)
    except NormalizeError:
        return None


def _best(found: list[_Lookalike], query: Parsed) -> CheckResult | None:
    if not found:
        return None
    best = min(found, key=_Lookalike.key)
    return CheckResult(Verdict.NO, query, best.official, best.technique)


def check(
    query: Parsed,
    entries: Sequence[OfficialChannel],
    scams: Sequence[ReportedScam] = (),
) -> CheckResult:
    result = _check_official(query, entries)
    if result.verdict == Verdict.YES or not scams:
        return result  # an official channel is ours, whatever someone reported
    reported = find_reported(query, scams)
    if reported is None:
        return result
    return CheckResult(
        Verdict.NO, query, result.official, result.technique, result.note, reported=reported
    )


def _check_official(query: Parsed, entries: Sequence[OfficialChannel]) -> CheckResult:
    if query.kind in (Kind.DOMAIN, Kind.EMAIL):
        return _check_host_or_email(query, entries)
    if query.kind == Kind.HANDLE:
        return _check_handle(query, entries)
    if query.kind == Kind.PHONE:
        return _check_phone(query, entries)
    if query.kind == Kind.ADDRESS:
        return _check_address(query, entries)
    if query.kind == Kind.IP:
        return CheckResult(Verdict.UNKNOWN, query, note=Note.IP_ADDRESS)
    return CheckResult(Verdict.UNKNOWN, query)


# --- domains and e-mails ---------------------------------------------------------------


def _domain_lookalikes(
    host: Host, entries: Sequence[OfficialChannel], userinfo: str = ""
) -> list[_Lookalike]:
    found: list[_Lookalike] = []
    for entry in entries:
        if entry.kind not in (K.DOMAIN, K.EMAIL_DOMAIN):
            continue
        theirs = _host_of(entry)
        if theirs is None or not theirs.label or host.registrable == theirs.registrable:
            continue
        if host.label and host.label.casefold() == theirs.label:
            found.append(_Lookalike(entry, Technique.TLD))
            continue
        finding = compare_names(host.label, theirs.label) if host.label else None
        if finding is not None:
            found.append(_Lookalike(entry, finding.technique, finding.distance))
        elif host.subdomain and contains_name(host.subdomain, theirs.label):
            found.append(_Lookalike(entry, Technique.SUBDOMAIN))
        elif userinfo and contains_name(userinfo, theirs.label):
            found.append(_Lookalike(entry, Technique.USERINFO))
    return found


def _ours(host: Host, entries: Sequence[OfficialChannel]) -> bool:
    """The host's registrable domain is one of ours (so nobody else controls it)."""
    for entry in entries:
        if entry.kind in (K.DOMAIN, K.EMAIL_DOMAIN):
            theirs = _host_of(entry)
            if theirs is not None and theirs.registrable == host.registrable:
                return True
    return False


def _check_host_or_email(query: Parsed, entries: Sequence[OfficialChannel]) -> CheckResult:
    host = query.host
    assert host is not None
    for entry in entries:
        if query.kind == Kind.EMAIL:
            if (entry.kind == K.EMAIL and entry.value == query.value) or (
                entry.kind == K.EMAIL_DOMAIN and entry.value == host.ascii
            ):
                return CheckResult(Verdict.YES, query, entry)
            continue
        if entry.kind in (K.DOMAIN, K.EMAIL_DOMAIN) and entry.value == host.ascii:
            return CheckResult(Verdict.YES, query, entry)
        if (
            entry.kind == K.DOMAIN
            and entry.include_subdomains
            and host.ascii.endswith("." + entry.value)
        ):
            return CheckResult(Verdict.YES, query, entry)
    if _ours(host, entries):
        return CheckResult(Verdict.UNKNOWN, query, note=Note.UNLISTED_ON_OUR_DOMAIN)
    result = _best(_domain_lookalikes(host, entries, query.userinfo), query)
    if result is not None:
        return result
    if query.kind == Kind.EMAIL:
        imitated = _brand_in_local_part(query.local_part, entries)
        if imitated is not None:
            return CheckResult(Verdict.NO, query, imitated, Technique.BRAND_IN_ADDRESS)
    return CheckResult(Verdict.UNKNOWN, query)


def _brand_names(entries: Sequence[OfficialChannel]) -> list[tuple[str, OfficialChannel]]:
    names: list[tuple[str, OfficialChannel]] = []
    for entry in entries:
        if entry.kind in (K.DOMAIN, K.EMAIL_DOMAIN):
            theirs = _host_of(entry)
            if theirs is not None and theirs.label:
                names.append((theirs.label, entry))
        elif entry.kind in HANDLE_KINDS and "/" not in entry.value:
            names.append((entry.value, entry))
    return names


def _brand_in_local_part(local: str, entries: Sequence[OfficialChannel]) -> OfficialChannel | None:
    """ "exampleexchange.support@gmail.com": our name on a mailbox anyone can open."""
    local = local.split("+", 1)[0]
    for name, entry in _brand_names(entries):
        if len(compact(skeleton(name))) < 4:
            continue
        if skeleton(local) == skeleton(name) or contains_name(local, name):
            return entry
    return None


# --- handles -----------------------------------------------------------------------------


def _check_handle(query: Parsed, entries: Sequence[OfficialChannel]) -> CheckResult:
    handles = [e for e in entries if e.kind in HANDLE_KINDS]
    is_invite = "/" in query.value
    for entry in handles:
        same_platform = query.platform in (Platform.ANY, HANDLE_KINDS[K(entry.kind)])
        if entry.value == query.value and same_platform:
            return CheckResult(Verdict.YES, query, entry)
    found: list[_Lookalike] = []
    if is_invite:
        code = query.value.split("/", 1)[1].lstrip("+").casefold()
        for entry in handles:
            if "/" in entry.value and entry.value.split("/", 1)[0] == query.value.split("/")[0]:
                theirs = entry.value.split("/", 1)[1].lstrip("+").casefold()
                if code == theirs:  # the same letters in another case: another invite
                    found.append(_Lookalike(entry, Technique.HOMOGLYPH))
                    continue
                finding = compare_names(code, theirs)
                if finding is not None:
                    found.append(_Lookalike(entry, finding.technique, finding.distance))
        return _best(found, query) or CheckResult(Verdict.UNKNOWN, query)
    written = query.display.lstrip("@")
    for entry in handles:
        if "/" in entry.value:
            continue
        elsewhere = query.platform not in (Platform.ANY, HANDLE_KINDS[K(entry.kind)])
        if entry.value == query.value:
            found.append(_Lookalike(entry, Technique.OTHER_PLATFORM, other_platform=True))
            continue
        finding = compare_names(written, entry.value)
        if finding is not None:
            found.append(
                _Lookalike(entry, finding.technique, finding.distance, other_platform=elsewhere)
            )
    # Our website's name as a handle we never registered ("@exampleexchange_help").
    for name, entry in _brand_names([e for e in entries if e.kind not in HANDLE_KINDS]):
        if compact(skeleton(written)) == compact(skeleton(name)):
            found.append(_Lookalike(entry, Technique.OTHER_PLATFORM, other_platform=True))
            continue
        finding = compare_names(written, name)
        if finding is not None:
            found.append(
                _Lookalike(entry, finding.technique, finding.distance, other_platform=True)
            )
    return _best(found, query) or CheckResult(Verdict.UNKNOWN, query)


# --- phones and addresses ---------------------------------------------------------------


def _check_phone(query: Parsed, entries: Sequence[OfficialChannel]) -> CheckResult:
    digits = query.value.lstrip("+")
    national = digits.lstrip("0")
    for entry in entries:
        if entry.kind != K.PHONE:
            continue
        if entry.value == query.value:
            return CheckResult(Verdict.YES, query, entry)
        # Written without the country code ("020 1234 5678" for +44 20 1234 5678).
        if (
            not query.value.startswith("+")
            and len(national) >= 7
            and entry.value.lstrip("+").endswith(national)
        ):
            return CheckResult(Verdict.YES, query, entry)
    return CheckResult(Verdict.UNKNOWN, query)


def _check_address(query: Parsed, entries: Sequence[OfficialChannel]) -> CheckResult:
    found: list[_Lookalike] = []
    for entry in entries:
        if entry.kind != K.ADDRESS:
            continue
        if entry.value == query.value:
            return CheckResult(Verdict.YES, query, entry)
        if address_poisoning(query.value, entry.value):
            found.append(_Lookalike(entry, Technique.ADDRESS_POISONING))
    result = _best(found, query)
    if result is not None:
        return result
    note = Note.INVALID_ADDRESS if query.address is None else Note.NONE
    return CheckResult(Verdict.UNKNOWN, query, note=note)
