"""What routing knows of a case, kept up to date from events (event_consumers.py): its
language, the chains it is about and its topics. Read from payloads and from the
conversation's own data: routing sits below the assistant, triage and mood
(pyproject's layers), so it learns their findings from their events, not their tables."""

from __future__ import annotations

import re

from blockdesk.chain.entities import extract_entities
from blockdesk.conversations.models import ConversationEvent
from blockdesk.routing.models import RoutedCase

# The strongest source wins: the assistant detected the language of what was written,
# the contact's locale is the browser's or channel's, the script is a guess.
SOURCES = {"assistant": 3, "contact": 2, "script": 1, "": 0}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]{3,}")
MAX_ITEMS = 30
PRIORITY_BY_NAME = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def primary_language(code: str) -> str:
    """ "zh-Hans" → "zh", "EN_us" → "en": skills name languages, not regions."""
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0][:8]


def set_language(case: RoutedCase, code: str, source: str) -> bool:
    lang = primary_language(code)
    if not lang or SOURCES[source] < SOURCES.get(case.language_source, 0):
        return False
    if lang == case.language and source == case.language_source:
        return False
    case.language, case.language_source = lang, source
    return True


def script_language(text: str) -> str:
    if CJK.search(text):
        return "zh"
    return "en" if LATIN.search(text) else ""


def add_items(current: list[str], new: list[str] | tuple[str, ...]) -> list[str]:
    merged = list(current)
    for item in new:
        value = str(item).strip().lower()[:60]
        if value and value not in merged:
            merged.append(value)
    return merged[-MAX_ITEMS:]


def learn_from_customer_text(case: RoutedCase, text: str) -> set[str]:
    """Learns the chains and language a customer's text shows; returns the fields changed
    (most follow-ups change nothing, and then the case is not written)."""
    changed: set[str] = set()
    chains = add_items(case.chains, extract_entities(text).chain_keys)
    if chains != case.chains:
        case.chains = chains
        changed.add("chains")
    guess = script_language(text)
    if guess and set_language(case, guess, "script"):
        changed.update({"language", "language_source"})
    return changed


def diagnosed_chains(conversation_id: int) -> list[str]:
    """Chains of the transaction checks run in the case (the chain app's diagnoses,
    recorded on the timeline): read when routing decides, one query."""
    found: list[str] = []
    rows = ConversationEvent.objects.filter(
        conversation_id=conversation_id, kind=ConversationEvent.Kind.DIAGNOSIS
    ).values_list("data", flat=True)
    for data in rows:
        facts = ((data or {}).get("result") or {}).get("facts") or {}
        chain = facts.get("chain_key")
        if isinstance(chain, str) and chain:
            found.append(chain)
    return found
