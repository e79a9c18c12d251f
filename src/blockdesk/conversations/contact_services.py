"""Writes for contacts and their identities, whoever asks: integrations (the REST API)
create, update and attach identities (an email, a Telegram id, a wallet address, the
business's own user id); the widget creates anonymous visitors; wallet sign-in links
addresses, moves a browser to another contact and merges anonymous contacts. Other apps
call these instead of writing Contact or ContactIdentity rows themselves.

Every free-text field passes the secret guard first: names, notes and attributes are
stored redacted; an email or identity value that holds a wallet secret is refused.
Creating a contact emits `contact.created`, attaching or moving an identity
`contact.identity_linked` (a merge emits only `contact.merged`), in the same transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Conflict, ValidationFailed
from blockdesk.common.realtime import contact_group, inbox_group, publish_on_commit
from blockdesk.conversations import event_types as et
from blockdesk.conversations.models import Contact, ContactIdentity, Conversation, Message
from blockdesk.conversations.serializers import conversation_dict, public_conversation_dict
from blockdesk.conversations.services._common import check_agent_can_access
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.safety.fields import check_no_secret, redact_free_text, redact_json

MAX_ATTRIBUTES = 100
MAX_ATTRIBUTES_BYTES = 16 * 1024
# Visitor identities are hashed widget tokens, minted only by the widget itself.
SETTABLE_KINDS = frozenset(ContactIdentity.Kind.values) - {ContactIdentity.Kind.WEB_VISITOR}
CONTACT_NOTES_MAX = 10_000


@dataclass(frozen=True)
class IdentitySpec:
    kind: str
    value: str


def _normalise_identity(spec: IdentitySpec, *, account_id: int) -> IdentitySpec:
    if spec.kind not in SETTABLE_KINDS:
        raise ValidationFailed.field("identities", _("Unknown identity kind."))
    value = spec.value.strip()
    if not value:
        raise ValidationFailed.field("identities", _("An identity needs a value."))
    check_no_secret(value, field="identities", account_id=account_id)
    if spec.kind == ContactIdentity.Kind.EMAIL:
        value = value.lower()
    return IdentitySpec(kind=spec.kind, value=value[:255])


def check_attributes(*, attributes: Mapping[str, Any]) -> dict[str, Any]:
    if len(attributes) > MAX_ATTRIBUTES:
        raise ValidationFailed.field(
            "attributes", _("At most %(n)d attributes.") % {"n": MAX_ATTRIBUTES}
        )
    if any(not key or len(key) > 64 for key in attributes):
        raise ValidationFailed.field(
            "attributes", _("Attribute names are 1 to 64 characters long.")
        )
    if len(json.dumps(attributes, default=str)) > MAX_ATTRIBUTES_BYTES:
        raise ValidationFailed.field("attributes", _("The attributes are too large."))
    return dict(attributes)


def clean_contact_text(*, account_id: int, field: str, value: str) -> str:
    """A contact field as it may be stored: secrets redacted from free text, an email
    holding one refused (422 naming the field)."""
    value = value.strip()
    if field == "email":
        return check_no_secret(value, field="email", account_id=account_id).lower()
    return redact_free_text(value, account_id=account_id)[0]


def clean_attributes(*, account_id: int, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Attribute names and values (at any depth) with secrets redacted."""
    clean, _findings = redact_json(dict(attributes), account_id=account_id)
    return dict(clean)


def _clean_and_save(contact: Contact, *, update_fields: Sequence[str] | None = None) -> None:
    try:
        contact.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    contact.save(update_fields=update_fields)


def _identity_taken() -> Conflict:
    return Conflict(
        _("Another contact already has this identity."),
        code="identity_taken",
        fields={"identities": [_("Already used by another contact.")]},
    )


def _emit_created(contact: Contact, *, actor: Actor, source: et.ContactSource) -> None:
    emit(
        account_id=contact.account_id,
        name="contact.created",
        actor=actor,
        subject=Subject("contact", contact.pk),
        payload=et.ContactCreated(contact_id=contact.pk, source=source),
    )


def _emit_identity_linked(
    identity: ContactIdentity,
    *,
    actor: Actor,
    previous_contact_id: int | None = None,
    proof: et.LinkProof | None = None,
) -> None:
    secret = identity.kind == ContactIdentity.Kind.WEB_VISITOR  # a keyed token hash
    emit(
        account_id=identity.account_id,
        name="contact.identity_linked",
        actor=actor,
        subject=Subject("contact", identity.contact_id),
        payload=et.IdentityLinked(
            contact_id=identity.contact_id,
            identity_id=identity.pk,
            kind=identity.kind,  # type: ignore[arg-type]
            value=None if secret else identity.value,
            previous_contact_id=previous_contact_id,
            proof=proof,
        ),
    )


def do_create_contact(
    *,
    account_id: int,
    name: str = "",
    email: str = "",
    locale: str = "",
    attributes: Mapping[str, Any] | None = None,
    notes: str = "",
    identities: Sequence[IdentitySpec] = (),
    actor: Actor | None = None,
    source: et.ContactSource = "api",
) -> Contact:
    """`actor`: who asked (an API token, the visitor signing in); the system when None."""
    actor = actor or Actor.system()
    specs = [_normalise_identity(s, account_id=account_id) for s in identities]
    checked = check_attributes(attributes=attributes or {})
    contact = Contact(
        account_id=account_id,
        name=clean_contact_text(account_id=account_id, field="name", value=name),
        email=clean_contact_text(account_id=account_id, field="email", value=email),
        locale=locale.strip(),
        attributes=clean_attributes(account_id=account_id, attributes=checked),
        notes=clean_contact_text(account_id=account_id, field="notes", value=notes),
    )
    try:
        with transaction.atomic():
            _clean_and_save(contact)
            _emit_created(contact, actor=actor, source=source)
            for spec in specs:
                identity = ContactIdentity.objects.create(
                    account_id=account_id, contact=contact, kind=spec.kind, value=spec.value
                )
                _emit_identity_linked(identity, actor=actor)
    except IntegrityError as exc:
        raise _identity_taken() from exc
    return contact


def do_update_contact(*, contact: Contact, changes: Mapping[str, Any]) -> Contact:
    """`changes` holds only the fields the caller sent. Attributes are merged; a key
    set to None is removed, so integrations can update one attribute at a time."""
    fields: list[str] = []
    for field in ("name", "email", "notes"):
        if changes.get(field) is not None:
            value = clean_contact_text(
                account_id=contact.account_id, field=field, value=str(changes[field])
            )
            setattr(contact, field, value)
            fields.append(field)
    if changes.get("locale") is not None:
        contact.locale = str(changes["locale"]).strip()
        fields.append("locale")
    if changes.get("attributes") is not None:
        merged = dict(contact.attributes or {})
        sent = check_attributes(attributes=changes["attributes"])
        for key, value in clean_attributes(account_id=contact.account_id, attributes=sent).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        contact.attributes = check_attributes(attributes=merged)
        fields.append("attributes")
    if fields:
        _clean_and_save(contact, update_fields=fields)
    return contact


def do_set_visitor_profile(
    *, contact: Contact, name: str = "", email: str = "", locale: str = "", language: str | None
) -> bool:
    """What a visitor says about themselves in the widget; empty values leave a field as it
    is. An email holding a secret is refused (422, the guard's warning in `language`); a
    name keeps the redaction marker. Returns whether a secret was redacted from the name."""
    account_id = contact.account_id
    fields = []
    found = False
    if email:
        email = check_no_secret(
            email.strip(), field="email", account_id=account_id, language=language
        )
    if name:
        # Redacted before it is cut to length, so no part of a secret is kept.
        clean, findings = redact_free_text(name.strip(), account_id=account_id)
        found = bool(findings)
        contact.name = clean[:160]
        fields.append("name")
    if email:
        contact.email = email[:254]
        fields.append("email")
    if locale:
        contact.locale = locale[:16]
        fields.append("locale")
    if fields:
        try:
            contact.full_clean()
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        contact.save(update_fields=fields)
    return found


def do_add_contact_identity(
    *, contact: Contact, spec: IdentitySpec, actor: Actor | None = None
) -> tuple[ContactIdentity, bool]:
    """Returns (identity, created). Adding one the contact already has is a no-op."""
    spec = _normalise_identity(spec, account_id=contact.account_id)
    existing = ContactIdentity.objects.filter(
        account_id=contact.account_id, kind=spec.kind, value=spec.value
    ).first()
    if existing is not None:
        if existing.contact_id != contact.pk:
            raise _identity_taken()
        return existing, False
    try:
        with transaction.atomic():
            identity = ContactIdentity.objects.create(
                account_id=contact.account_id, contact=contact, kind=spec.kind, value=spec.value
            )
            _emit_identity_linked(identity, actor=actor or Actor.system())
    except IntegrityError as exc:
        raise _identity_taken() from exc
    return identity, True


# --- widget visitors and wallet sign-in ---------------------------------------------------


def do_create_visitor_contact(*, account_id: int, locale: str, visitor_hash: str) -> Contact:
    """A new anonymous contact recognised by a widget visitor token (stored as its keyed
    hash, `visitor_hash`). Seen now: the widget opened for them, and their first message
    moments later need not write it again (messages.LAST_SEEN_RESOLUTION)."""
    with transaction.atomic():
        contact = Contact.objects.create(
            account_id=account_id, locale=locale[:16], last_seen_at=timezone.now()
        )
        identity = ContactIdentity.objects.create(
            account_id=account_id,
            contact=contact,
            kind=ContactIdentity.Kind.WEB_VISITOR,
            value=visitor_hash,
        )
        actor = Actor.contact(contact.pk)
        _emit_created(contact, actor=actor, source="widget")
        _emit_identity_linked(identity, actor=actor)
    return contact


def do_forget_visitor_identity(*, account_id: int, visitor_hash: str) -> None:
    """The visitor token stops recognising anyone (sign-out); the contact stays."""
    ContactIdentity.objects.filter(
        account_id=account_id, kind=ContactIdentity.Kind.WEB_VISITOR, value=visitor_hash
    ).delete()


def lock_visitor(*, account_id: int, visitor_hash: str) -> tuple[ContactIdentity, Contact] | None:
    """A browser's visitor identity and its contact, row-locked for the writes that follow
    in the caller's transaction (wallet sign-in moves or merges them); None when the
    browser signed out meanwhile."""
    identity = (
        ContactIdentity.objects.select_for_update()
        .filter(account_id=account_id, kind=ContactIdentity.Kind.WEB_VISITOR, value=visitor_hash)
        .first()
    )
    if identity is None:
        return None
    return identity, Contact.objects.select_for_update().get(pk=identity.contact_id)


def do_link_identity(
    *, contact: Contact, kind: str, value: str, actor: Actor, proof: et.LinkProof | None = None
) -> ContactIdentity | None:
    """Creates the identity (a value the caller has verified, e.g. a signed-for wallet
    address); None when another contact has it already (a racing request linked it first).
    Runs in a savepoint, so the caller's transaction goes on either way."""
    try:
        with transaction.atomic():
            identity = ContactIdentity.objects.create(
                account_id=contact.account_id, contact=contact, kind=kind, value=value
            )
            _emit_identity_linked(identity, actor=actor, proof=proof)
    except IntegrityError:
        return None
    return identity


def do_move_identity(*, identity: ContactIdentity, contact: Contact, actor: Actor) -> None:
    """The identity now recognises `contact` (e.g. this browser signed in with a wallet
    another contact owns); the previous contact keeps its history."""
    previous = identity.contact_id
    identity.contact = contact
    identity.save(update_fields=["contact"])
    _emit_identity_linked(identity, actor=actor, previous_contact_id=previous)


def do_merge_contacts(
    *,
    source: Contact,
    target: Contact,
    actor: Actor | None = None,
    every_identity: bool = False,
    via: et.MergeVia = "wallet_sign_in",
) -> list[int]:
    """Moves `source`'s conversations, messages and visitor tokens (every identity with
    `every_identity`: an agent's or a proven link's merge) to `target`; returns the ids of
    the conversations that moved. Runs inside the caller's transaction. The one place
    where contact.merged is emitted."""
    if source.account_id != target.account_id or source.pk == target.pk:
        raise ValidationFailed.field("contact", _("These profiles cannot be merged."))
    identities = ContactIdentity.objects.filter(account_id=source.account_id, contact=source)
    if not every_identity:
        identities = identities.filter(kind=ContactIdentity.Kind.WEB_VISITOR)
    identity_ids = list(identities.values_list("pk", flat=True))
    ContactIdentity.objects.filter(pk__in=identity_ids).update(contact=target)
    # Message idempotency keys are unique per sender: a key both contacts used (practically
    # impossible with UUIDs) is cleared on the moving message rather than failing the merge.
    taken = Message.objects.filter(
        sender_contact=target, idempotency_key__isnull=False
    ).values_list("idempotency_key", flat=True)
    Message.objects.filter(sender_contact=source, idempotency_key__in=list(taken)).update(
        idempotency_key=None
    )
    Message.objects.filter(sender_contact=source).update(sender_contact=target)
    conversation_ids = list(
        Conversation.objects.filter(contact=source).values_list("pk", flat=True)
    )
    Conversation.objects.filter(pk__in=conversation_ids).update(contact=target)
    changed = []
    for field in ("name", "email", "locale"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
            changed.append(field)
    if every_identity:
        # Nothing an agent wrote about either profile is lost: notes are joined and the
        # target's attributes win over the source's.
        if source.notes and source.notes not in target.notes:
            target.notes = f"{target.notes}\n\n{source.notes}".strip()
            changed.append("notes")
        extra = {
            k: v
            for k, v in (source.attributes or {}).items()
            if k not in (target.attributes or {}) and k != "merged_into_contact_id"
        }
        if extra:
            target.attributes = {**(target.attributes or {}), **extra}
            changed.append("attributes")
    if changed:
        target.save(update_fields=changed)
    # The emptied contact stays (other records may name it) with a pointer for agents.
    source.attributes = {**(source.attributes or {}), "merged_into_contact_id": target.pk}
    source.save(update_fields=["attributes"])
    publish_moved_conversations(conversation_ids)
    emit(
        account_id=target.account_id,
        name="contact.merged",
        actor=actor or Actor.contact(target.pk),
        subject=Subject("contact", target.pk),
        payload=et.ContactMerged(
            source_contact_id=source.pk,
            target_contact_id=target.pk,
            conversation_ids=conversation_ids,
            via=via,
            identity_ids=identity_ids,
        ),
    )
    return conversation_ids


def publish_moved_conversations(conversation_ids: Sequence[int]) -> None:
    """Agents' lists and the (new) owner's widget hear that these cases changed hands."""
    for conv in Conversation.objects.filter(pk__in=conversation_ids).select_related(
        "contact", "assignee"
    ):
        publish_on_commit(
            [inbox_group(conv.inbox_id)],
            {"type": "conversation.updated", "conversation": conversation_dict(conv)},
        )
        publish_on_commit(
            [contact_group(conv.contact_id)],
            {"type": "conversation.updated", "conversation": public_conversation_dict(conv)},
        )


# --- proven identities ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProvenLink:
    """What `do_link_proven_identity` did: `created` a new identity, or moved an existing
    one here from `previous_contact_id` (merging that contact when the identity was all it
    had: `merged_conversation_ids`)."""

    identity: ContactIdentity
    created: bool
    previous_contact_id: int | None = None
    merged_conversation_ids: tuple[int, ...] = ()


def do_link_proven_identity(
    *,
    contact: Contact,
    kind: str,
    value: str,
    proof: et.LinkProof,
    actor: Actor | None = None,
) -> ProvenLink:
    """Links an identity the customer proved is theirs (an email that answered our mail, a
    wallet signature, a widget link token redeemed on another channel) to `contact`.

    - New: created on `contact`.
    - Already `contact`'s: nothing changes.
    - Another contact's: moved here. When that identity was all the other contact had
      (a profile the channel created for its first message), the contact is merged: its
      conversations follow. Otherwise only the identity moves and its history stays; the
      console may then suggest a merge (docs/identity.md).
    - Except with a widget link token (`proof="widget_link"`), which could have been handed
      to someone else: an identity whose contact has conversations is not taken over
      (Conflict `identity_taken`); an agent merges instead."""
    spec = _normalise_identity(IdentitySpec(kind=kind, value=value), account_id=contact.account_id)
    actor = actor or Actor.system()
    with transaction.atomic():
        existing = (
            ContactIdentity.objects.select_for_update()
            .filter(account_id=contact.account_id, kind=spec.kind, value=spec.value)
            .first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    identity = ContactIdentity.objects.create(
                        account_id=contact.account_id,
                        contact=contact,
                        kind=spec.kind,
                        value=spec.value,
                    )
                    _emit_identity_linked(identity, actor=actor, proof=proof)
            except IntegrityError as exc:  # a racing request linked it first: retry once
                raise Conflict(_("Please try again."), code="identity_race") from exc
            return ProvenLink(identity=identity, created=True)
        if existing.contact_id == contact.pk:
            return ProvenLink(identity=existing, created=False)
        previous = Contact.objects.select_for_update().get(pk=existing.contact_id)
        if proof == "widget_link" and Conversation.objects.filter(contact=previous).exists():
            # A link token can be handed to someone else (a phishing "open this Telegram
            # link"): it never pulls another profile's history over. Agents see the
            # suggestion and merge (docs/identity.md).
            raise _identity_taken()
        others = ContactIdentity.objects.filter(contact=previous).exclude(pk=existing.pk)
        if not others.exists():
            moved = do_merge_contacts(
                source=previous, target=contact, actor=actor, every_identity=True, via="proven_link"
            )
            existing.refresh_from_db()
            return ProvenLink(
                identity=existing,
                created=False,
                previous_contact_id=previous.pk,
                merged_conversation_ids=tuple(moved),
            )
        existing.contact = contact
        existing.save(update_fields=["contact"])
        _emit_identity_linked(existing, actor=actor, previous_contact_id=previous.pk, proof=proof)
        return ProvenLink(identity=existing, created=False, previous_contact_id=previous.pk)


# --- agents' notes ------------------------------------------------------------------------


def do_update_contact_notes(*, actor: User, conversation: Conversation, notes: str) -> Contact:
    """Agents edit the notes of a customer they are serving, reached through one of the
    customer's conversations that they may open."""
    check_agent_can_access(user=actor, conversation=conversation)
    notes = notes.replace("\x00", "").strip()
    notes, _findings = redact_free_text(notes, account_id=conversation.account_id)
    if len(notes) > CONTACT_NOTES_MAX:
        raise ValidationFailed.field(
            "notes", _("Notes can be at most %(max)d characters long.") % {"max": CONTACT_NOTES_MAX}
        )
    with transaction.atomic():
        Contact.objects.filter(pk=conversation.contact_id).update(notes=notes)
    conversation.contact.notes = notes
    return conversation.contact
