"""One short line about what an event changed, from its payload, for the audit log.

Payload values are user text (tag names, token names, hosts): the result is plain text,
escaped by the template and formula-guarded in the CSV. A message's content is never
shown here: the audit log says who wrote, not what (the conversation holds that)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from blockdesk.events.models import ActorKind

MAX_DETAIL = 200

Formatter = Callable[[Mapping[str, Any], Mapping[int, str]], str]


def _agent(agents: Mapping[int, str], pk: object) -> str:
    if pk is None:
        return _("nobody")
    if isinstance(pk, int) and pk in agents:
        return agents[pk]
    return f"#{pk}"


def _change(old: object, new: object) -> str:
    return f"{_plain(old)} → {_plain(new)}"


def _plain(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return "{…}"
    return str(value)


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(p: Mapping[str, Any]) -> str:
    conversation = p.get("conversation")
    if isinstance(conversation, dict) and "number" in conversation:
        return f"#{conversation['number']} "
    return ""


def _tags(p: Mapping[str, Any], agents: Mapping[int, str]) -> str:
    old = set(p.get("old") or [])
    new = set(p.get("new") or [])
    parts = [f"+{t}" for t in sorted(new - old)] + [f"−{t}" for t in sorted(old - new)]
    return _number(p) + (" ".join(parts) or "—")


def _message(p: Mapping[str, Any], agents: Mapping[int, str]) -> str:
    sender = _dict(p.get("sender"))
    kind = _("private note") if p.get("private") else _("message")
    files = len(p.get("attachments") or [])
    sender_kind = sender.get("kind")
    who = ActorKind(sender_kind).label if sender_kind in ActorKind.values else sender_kind
    text = f"{kind} ({_plain(who)})"
    if files:
        text += " · " + ngettext("%(n)s file", "%(n)s files", files) % {"n": files}
    return text


def _token(p: Mapping[str, Any], agents: Mapping[int, str]) -> str:
    return f"{_plain(p.get('name'))} ({_plain(p.get('prefix'))}…) · {_plain(p.get('scopes'))}"


def _agent_facts(p: Mapping[str, Any], agents: Mapping[int, str]) -> str:
    agent = _dict(p.get("agent"))
    text = f"{_plain(agent.get('username'))} ({_plain(agent.get('role'))})"
    if "old" in p and "new" in p:
        text += " " + _change(p.get("old"), p.get("new"))
    return text


FORMATTERS: dict[str, Formatter] = {
    "conversation.created": lambda p, a: _number(p).strip() or "—",
    "conversation.status_changed": lambda p, a: _number(p) + _change(p.get("old"), p.get("new")),
    "conversation.priority_changed": lambda p, a: _number(p) + _change(p.get("old"), p.get("new")),
    "conversation.assigned": lambda p, a: (
        _number(p)
        + f"{_agent(a, p.get('old_assignee_id'))} → {_agent(a, p.get('new_assignee_id'))}"
    ),
    "conversation.team_changed": lambda p, a: (
        _number(p) + _change(p.get("old_team_id"), p.get("new_team_id"))
    ),
    "conversation.tags_changed": _tags,
    "message.created": _message,
    "api_token.created": _token,
    "api_token.revoked": _token,
    "webhook.created": lambda p, a: f"{_plain(p.get('host'))} · {_plain(p.get('events'))}",
    "account.two_factor_requirement_changed": lambda p, a: (
        _("required") if p.get("required") else _("not required")
    ),
    "contact.wallet_verified": lambda p, a: _plain(p.get("address")),
    "contact.merged": lambda p, a: _change(p.get("source_contact_id"), p.get("target_contact_id")),
    "contact.erased": lambda p, a: (
        ngettext(
            "customer %(contact)s · %(count)d conversation",
            "customer %(contact)s · %(count)d conversations",
            len(p.get("conversation_ids") or []),
        )
        % {"contact": _plain(p.get("contact_id")), "count": len(p.get("conversation_ids") or [])}
    ),
    "triage.rule_created": lambda p, a: _plain(p.get("name")),
    "triage.rule_updated": lambda p, a: f"{_plain(p.get('name'))} · {_plain(p.get('changed'))}",
    "triage.rule_deleted": lambda p, a: _plain(p.get("name")),
    "agent.added": _agent_facts,
    "agent.role_changed": _agent_facts,
    "agent.deactivated": _agent_facts,
    "agent.reactivated": _agent_facts,
}


def _generic(p: Mapping[str, Any]) -> str:
    """Any other type: its scalar fields, `old → new` first when it has them."""
    parts = []
    if "old" in p or "new" in p:
        parts.append(_change(p.get("old"), p.get("new")))
    for key, value in p.items():
        if key in ("old", "new") or isinstance(value, dict):
            continue
        parts.append(f"{key}: {_plain(value)}")
    return "; ".join(parts)


def summarise(name: str, payload: Mapping[str, Any], *, agents: Mapping[int, str]) -> str:
    formatter = FORMATTERS.get(name)
    try:
        text = formatter(payload, agents) if formatter else _generic(payload)
    except (TypeError, ValueError, AttributeError):
        # An older payload version without the fields expected: still say something.
        text = _generic(payload)
    return Truncator(" ".join(text.split())).chars(MAX_DETAIL)
