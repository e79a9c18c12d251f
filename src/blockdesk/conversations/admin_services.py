"""Administrator writes for conversation settings: canned replies and tags (inboxes are
configured by their channel app, e.g. connectors/services.py).

Every function checks that the actor is an administrator and that the object belongs to
the actor's account; a row of another account is reported as not found."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import Conflict, NotFound, ValidationFailed
from blockdesk.conversations.models import CannedReply, Tag
from blockdesk.safety.fields import check_no_secret


def _check_same_account(*, actor: User, account_id: int) -> None:
    if account_id != actor.account_pk:
        raise NotFound()


def _save(obj: CannedReply | Tag, *, conflict_message: str) -> None:
    try:
        obj.full_clean(validate_constraints=False, validate_unique=False)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    try:
        # The savepoint keeps an outer transaction usable after a unique violation.
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(conflict_message) from exc


# --- canned replies ---------------------------------------------------------------


def _clean_shortcut(shortcut: str) -> str:
    return shortcut.strip().lstrip("/").strip().lower()


def _check_canned_text(*, account_id: int, shortcut: str, content: str) -> None:
    # A canned reply is sent to customers again and again: a seed phrase or key pasted
    # into one is refused outright (422) rather than stored, redacted or not.
    check_no_secret(shortcut, field="shortcut", account_id=account_id)
    check_no_secret(content, field="content", account_id=account_id)


def do_create_canned_reply(*, actor: User, shortcut: str, content: str) -> CannedReply:
    check_admin(actor=actor)
    _check_canned_text(account_id=actor.account_pk, shortcut=shortcut, content=content)
    reply = CannedReply(
        account_id=actor.account_pk, shortcut=_clean_shortcut(shortcut), content=content.strip()
    )
    _save(reply, conflict_message=_("A canned reply with this shortcut exists already."))
    return reply


def do_update_canned_reply(
    *, actor: User, reply: CannedReply, shortcut: str, content: str
) -> CannedReply:
    check_admin(actor=actor)
    _check_same_account(actor=actor, account_id=reply.account_id)
    _check_canned_text(account_id=reply.account_id, shortcut=shortcut, content=content)
    reply.shortcut = _clean_shortcut(shortcut)
    reply.content = content.strip()
    _save(reply, conflict_message=_("A canned reply with this shortcut exists already."))
    return reply


def do_delete_canned_reply(*, actor: User, reply: CannedReply) -> None:
    check_admin(actor=actor)
    _check_same_account(actor=actor, account_id=reply.account_id)
    reply.delete()


# --- tags -------------------------------------------------------------------------


def do_create_tag(*, actor: User, name: str) -> Tag:
    check_admin(actor=actor)
    # Tags are matched lower-case everywhere (see do_set_tags), so they are stored so.
    tag = Tag(account_id=actor.account_pk, name=name.strip().lower())
    _save(tag, conflict_message=_("This tag exists already."))
    return tag


def do_rename_tag(*, actor: User, tag: Tag, name: str) -> Tag:
    check_admin(actor=actor)
    _check_same_account(actor=actor, account_id=tag.account_id)
    tag.name = name.strip().lower()
    _save(tag, conflict_message=_("This tag exists already."))
    return tag


def do_delete_tag(*, actor: User, tag: Tag) -> None:
    check_admin(actor=actor)
    _check_same_account(actor=actor, account_id=tag.account_id)
    tag.delete()
