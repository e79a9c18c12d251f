"""Reads about customer profiles for agents: which contacts an agent may manage, the
merges the console suggests, and which conversations came through an identity.

Merge suggestions are deliberately conservative (docs/identity.md): a merge joins two
people's histories, so the console proposes one only on strong evidence, and an agent
decides. Automatic links happen only on proof (contact_services.do_link_proven_identity)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.conversations.models import Contact, ContactIdentity, Conversation

MERGED_KEY = "merged_into_contact_id"
MAX_SUGGESTIONS = 5
MIN_NAME = 3
MIN_HANDLE = 3
# Contact attributes an integration may use for a handle on another platform.
HANDLE_ATTRIBUTES = frozenset(
    {"username", "handle", "telegram", "telegram_username", "discord", "discord_username"}
    | {"x", "x_username", "twitter"}
)
# Identity kinds whose values may be handles (never numbers: a numeric platform id is
# no evidence that two people with the same name are one).
HANDLE_KINDS = frozenset({"telegram", "discord", "x", "external"})

# Which channel kinds (Inbox.channel_kind) an identity kind comes through. A channel
# package whose names differ registers its pair (register_identity_channel).
_IDENTITY_CHANNELS: dict[str, set[str]] = {
    "web_visitor": {"web_widget"},
    "email": {"email"},
    "telegram": {"telegram"},
    "discord": {"discord"},
    "x": {"x"},
}


def register_identity_channel(identity_kind: str, channel_kind: str) -> None:
    _IDENTITY_CHANNELS.setdefault(identity_kind, set()).add(channel_kind)


def identity_channel_kinds(identity_kind: str) -> frozenset[str]:
    return frozenset(_IDENTITY_CHANNELS.get(identity_kind, ()))


# --- who may manage a contact -------------------------------------------------------------


def check_agent_can_manage_contact(*, user: User, contact: Contact) -> None:
    """Merging or splitting moves every conversation of a profile, so an agent must see
    all of them (and at least one); an administrator sees the whole account. NotFound
    otherwise, like a case the agent cannot open: its existence does not leak."""
    if contact.account_id != user.account_pk:
        raise NotFound(_("No such customer."))
    if user.is_account_admin:
        return
    conversations = Conversation.objects.filter(contact=contact)
    visible = conv_selectors.visible_inboxes(user=user)
    if not conversations.exists() or conversations.exclude(inbox__in=visible).exists():
        raise NotFound(_("No such customer."))


def get_contact_for_agent(*, user: User, contact_id: int) -> Contact:
    contact = Contact.objects.filter(pk=contact_id, account_id=user.account_pk).first()
    if contact is None:
        raise NotFound(_("No such customer."))
    check_agent_can_manage_contact(user=user, contact=contact)
    return contact


def get_identity_for_agent(*, user: User, identity_id: int) -> ContactIdentity:
    identity = (
        ContactIdentity.objects.select_related("contact")
        .filter(pk=identity_id, account_id=user.account_pk)
        .first()
    )
    if identity is None:
        raise NotFound(_("No such customer."))
    check_agent_can_manage_contact(user=user, contact=identity.contact)
    return identity


# --- merge suggestions --------------------------------------------------------------------


@dataclass(frozen=True)
class MergeSuggestion:
    contact: Contact
    reasons: tuple[str, ...]  # "email" | "wallet" | "name_and_handle"

    @property
    def reason_labels(self) -> list[str]:
        labels = {
            "email": _("same email address"),
            "wallet": _("same wallet address"),
            "name_and_handle": _("same name and username"),
        }
        return [str(labels[r]) for r in self.reasons]


def normalised_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _email_local(address: str) -> str:
    local = address.split("@", 1)[0]
    return local.split("+", 1)[0]


def contact_handles(contact: Contact, identities: Iterable[ContactIdentity]) -> set[str]:
    """The usernames a contact is known by: email local parts, chat handles that are not
    bare numbers, handle-like attributes."""
    raw: list[str] = []
    if contact.email:
        raw.append(_email_local(contact.email))
    for identity in identities:
        if identity.kind == ContactIdentity.Kind.EMAIL:
            raw.append(_email_local(identity.value))
        elif identity.kind in HANDLE_KINDS:
            raw.append(identity.value)
    for key, value in (contact.attributes or {}).items():
        if key.lower() in HANDLE_ATTRIBUTES and isinstance(value, str):
            raw.append(value)
    handles = set()
    for item in raw:
        handle = item.strip().lstrip("@").casefold()
        if len(handle) >= MIN_HANDLE and not re.fullmatch(r"[0-9]+", handle):
            handles.add(handle)
    return handles


def _candidates(*, user: User) -> QuerySet[Contact]:
    qs = Contact.objects.filter(account_id=user.account_pk).exclude(attributes__has_key=MERGED_KEY)
    if not user.is_account_admin:
        qs = qs.filter(conversations__inbox__in=conv_selectors.visible_inboxes(user=user))
    return qs.distinct()


def merge_suggestions(
    *, user: User, contact: Contact, limit: int = MAX_SUGGESTIONS
) -> list[MergeSuggestion]:
    """Other profiles the agent may merge with `contact`, strongest evidence first:
    - the same email address (the contact's email field or an email identity);
    - the same wallet address (identities differing only in letter case);
    - the same name (at least 3 characters, spaces and case ignored) *and* a shared
      username (docs/identity.md)."""
    own = list(contact.identities.all())
    emails = {i.value.lower() for i in own if i.kind == ContactIdentity.Kind.EMAIL}
    if contact.email:
        emails.add(contact.email.lower())
    wallets = [i.value for i in own if i.kind == ContactIdentity.Kind.WALLET]
    found: dict[int, list[str]] = {}
    base = _candidates(user=user).exclude(pk=contact.pk)
    if emails:
        # Email identities are stored lower-case; the email field as the customer typed it.
        match = Q(identities__kind=ContactIdentity.Kind.EMAIL, identities__value__in=emails)
        for address in emails:
            match |= Q(email__iexact=address)
        for pk in base.filter(match).values_list("pk", flat=True)[:limit]:
            found.setdefault(pk, []).append("email")
    if wallets:
        match = Q()
        for address in wallets:
            match |= Q(
                identities__kind=ContactIdentity.Kind.WALLET, identities__value__iexact=address
            )
        for pk in base.filter(match).values_list("pk", flat=True)[:limit]:
            found.setdefault(pk, []).append("wallet")
    name = normalised_name(contact.name)
    if len(name) >= MIN_NAME:
        handles = contact_handles(contact, own)
        if handles:
            # Narrowed in SQL by the first word; spaces and case compared here.
            first_word = contact.name.split()[0]
            same_name = base.filter(name__istartswith=first_word).prefetch_related("identities")[
                :50
            ]
            for other in same_name:
                if normalised_name(other.name) != name:
                    continue
                if handles & contact_handles(other, other.identities.all()):
                    found.setdefault(other.pk, []).append("name_and_handle")
    if not found:
        return []
    contacts = {c.pk: c for c in Contact.objects.filter(pk__in=found)}
    for pk, other in list(contacts.items()):
        # Only what the agent could merge: a profile with a case in an inbox they do not
        # see is left out (the merge would answer 404).
        try:
            check_agent_can_manage_contact(user=user, contact=other)
        except NotFound:
            del contacts[pk]
    order = sorted(found, key=lambda pk: (-len(found[pk]), pk))
    return [
        MergeSuggestion(contact=contacts[pk], reasons=tuple(found[pk]))
        for pk in order[:limit]
        if pk in contacts
    ]


# --- what came through an identity ----------------------------------------------------------


def identity_conversations(*, identity: ContactIdentity) -> list[Conversation]:
    """The contact's conversations in inboxes of the identity's channel kind: the ones a
    split moves by default. When the contact has several identities of that kind (two
    email addresses), which case came through which is not known: none is preselected
    and the agent chooses."""
    kinds = identity_channel_kinds(identity.kind)
    if not kinds:
        return []
    same_kind = ContactIdentity.objects.filter(contact_id=identity.contact_id, kind=identity.kind)
    if same_kind.count() > 1:
        return []
    return list(
        Conversation.objects.filter(
            contact_id=identity.contact_id, inbox__channel_kind__in=kinds
        ).order_by("-last_activity_at")
    )
