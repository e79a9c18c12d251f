"""An agent sends a guide into a conversation: a normal agent reply (through the
conversation services, so every channel delivers it and the outbound guard checks it)
with the guide's title and link in the customer's language."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.conversations import selectors as conversation_selectors
from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Conversation, Message
from blockdesk.education.models import Guide, GuideCompletion, GuideOffer
from blockdesk.education.selectors import suggested_guide, title


def guide_url(guide: Guide) -> str:
    return settings.PUBLIC_URL.rstrip("/") + reverse("education_public:guide", args=[guide.slug])


def do_send_guide(*, actor: User, conversation_display_id: int, guide_id: int) -> Message:
    conversation = (
        conversation_selectors.visible_conversations(user=actor)
        .select_related("contact")
        .filter(display_id=conversation_display_id)
        .first()
    )
    if conversation is None:
        raise NotFound()
    guide = Guide.objects.filter(pk=guide_id, account_id=actor.account_pk, published=True).first()
    if guide is None:
        raise NotFound()
    language = conversation.contact.locale or settings.LANGUAGE_CODE
    with translation.override(language):
        text = _("Here is a short guide that may help: %(title)s %(url)s") % {
            "title": title(guide, language),
            "url": guide_url(guide),
        }
    sent = conversation_services.do_send_agent_message(
        agent=actor, conversation=conversation, content=text
    )
    return sent.message


def do_offer_first_guide(
    *, account_id: int, conversation_id: int, contact_id: int
) -> GuideOffer | None:
    """In a customer's first conversation, the guide for new customers (if one is marked),
    once per customer. Called by the event consumer."""
    guide = suggested_guide(account_id=account_id)
    if guide is None or GuideOffer.objects.filter(contact_id=contact_id).exists():
        return None
    if Conversation.objects.filter(contact_id=contact_id).exclude(pk=conversation_id).exists():
        return None  # not their first conversation
    if GuideCompletion.objects.filter(contact_id=contact_id, guide=guide).exists():
        return None
    conversation = (
        Conversation.objects.select_related("contact")
        .filter(pk=conversation_id, account_id=account_id)
        .first()
    )
    if conversation is None:
        return None
    language = conversation.contact.locale or settings.LANGUAGE_CODE
    with translation.override(language):
        text = _("New here? This short guide may help: %(title)s %(url)s") % {
            "title": title(guide, language),
            "url": guide_url(guide),
        }
    with transaction.atomic():
        offer = GuideOffer.objects.create(
            contact_id=contact_id, guide=guide, conversation=conversation
        )
        conversation_services.do_send_system_message(
            conversation=conversation,
            content=text,
            metadata={"public": {"guide": {"slug": guide.slug}}},
        )
    return offer
