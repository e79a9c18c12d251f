"""Writes for contacts made by integrations (the REST API): create, update, and attach
identities (an email, a Telegram id, a wallet address, the business's own user id).

Every free-text field passes the secret guard first: names, notes and attributes are
stored redacted; an email or identity value that holds a wallet secret is refused."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from blockdesk.common.errors import Conflict, ValidationFailed
from blockdesk.conversations.models import Contact, ContactIdentity
from blockdesk.safety.fields import check_no_secret, redact_free_text, redact_json

MAX_ATTRIBUTES = 100
MAX_ATTRIBUTES_BYTES = 16 * 1024
# Visitor identities are hashed widget tokens, minted only by the widget itself.
SETTABLE_KINDS = frozenset(ContactIdentity.Kind.values) - {ContactIdentity.Kind.WEB_VISITOR}


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


def do_create_contact(
    *,
    account_id: int,
    name: str = "",
    email: str = "",
    locale: str = "",
    attributes: Mapping[str, Any] | None = None,
    notes: str = "",
    identities: Sequence[IdentitySpec] = (),
) -> Contact:
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
            for spec in specs:
                ContactIdentity.objects.create(
                    account_id=account_id, contact=contact, kind=spec.kind, value=spec.value
                )
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


def do_add_contact_identity(
    *, contact: Contact, spec: IdentitySpec
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
    except IntegrityError as exc:
        raise _identity_taken() from exc
    return identity, True
