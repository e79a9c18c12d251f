"""Reads of the channel contract's rows for the console, scoped by who asks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.connectors.contract import WidgetContinue
from blockdesk.connectors.models import BaseChannel, OutboundDelivery
from blockdesk.conversations.channel_registry import channel_class
from blockdesk.conversations.models import Inbox, Message
from blockdesk.conversations.selectors import visible_inboxes


def get_delivery_for_agent(*, user: User, delivery_id: int) -> OutboundDelivery:
    """A delivery of a reply in an inbox the agent works in; NotFound otherwise (an agent
    outside the inbox must not learn that the case exists)."""
    delivery = (
        OutboundDelivery.objects.select_related("message__conversation", "inbox")
        # The conversation's inbox: a linked channel's inbox may be one the agent is not in.
        .filter(pk=delivery_id, message__conversation__inbox__in=visible_inboxes(user=user))
        .first()
    )
    if delivery is None:
        raise NotFound(_("No such delivery."))
    return delivery


def delivery_for_message(message: Message) -> OutboundDelivery | None:
    """The delivery of a message already shown to the agent (the console's timeline
    checked access to its conversation)."""
    return OutboundDelivery.objects.filter(message=message).select_related("inbox").first()


def widget_continue_options(*, account_id: int) -> list[WidgetContinue]:
    """The "Continue on …" buttons of an account's widget: one per identity kind, from
    the first inbox (oldest) of a channel kind that offers one (`widget_continue`)."""
    options: dict[str, WidgetContinue] = {}
    kinds = (
        Inbox.objects.filter(account_id=account_id)
        .values_list("channel_kind", flat=True)
        .distinct()
        .order_by("channel_kind")
    )
    for kind in kinds:
        try:
            cls = channel_class(kind)
        except LookupError:
            continue
        if cls.widget_continue is BaseChannel.widget_continue:
            continue  # the kind offers no button: no query for its channels
        manager = cls.objects  # type: ignore[attr-defined]
        for channel in manager.filter(inbox__account_id=account_id).order_by("pk"):
            option = channel.widget_continue()
            if option is not None and option.kind not in options:
                if option.href and not option.href.startswith("https://"):
                    continue
                options[option.kind] = option
                break
    return sorted(options.values(), key=lambda o: o.label)
