"""Console pieces of the channel contract: the delivery status under an outbound message
(registered into console.py), its retry button, and the choice of the channel a case's
replies go to."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blockdesk.common.errors import BlockdeskError, NotFound
from blockdesk.connectors import contract_delivery, selectors
from blockdesk.connectors.linked_channels import do_choose_route
from blockdesk.conversations.models import Message
from blockdesk.conversations.selectors import get_conversation_for_agent
from blockdesk.workspace.http import action_result, agent_required, current_agent


def delivery_extra(message: Message) -> str:
    if message.is_private or message.sender_type == Message.SenderType.CONTACT:
        return ""
    delivery = selectors.delivery_for_message(message)
    if delivery is None:
        return ""
    return render_to_string(
        "connectors/_delivery.html", {"d": contract_delivery.delivery_dict(delivery)}
    )


@agent_required
@require_POST
def retry_delivery(request: HttpRequest, delivery_id: int) -> HttpResponse:
    user = current_agent(request)
    try:
        delivery = selectors.get_delivery_for_agent(user=user, delivery_id=delivery_id)
    except NotFound as exc:
        raise Http404() from exc
    conversation = delivery.message.conversation
    back = reverse("workspace:conversation", args=[conversation.display_id])
    try:
        delivery = contract_delivery.do_retry_delivery(actor=user, delivery=delivery)
    except NotFound as exc:  # an agent outside the inbox: the case's existence stays hidden
        raise Http404() from exc
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(
        request,
        redirect_to=back,
        data={"delivery": contract_delivery.delivery_dict(delivery)},
        success=_("The message will be sent again."),
    )


@agent_required
@require_POST
def choose_route(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The console's "Replies go to" choice (connectors/console.reply_route)."""
    user = current_agent(request)
    try:
        conversation = get_conversation_for_agent(user=user, pk=conversation_id)
    except NotFound as exc:
        raise Http404() from exc
    back = reverse("workspace:conversation", args=[conversation.display_id])
    raw = request.POST.get("inbox", "")
    try:
        inbox = do_choose_route(
            actor=user, conversation=conversation, inbox_id=int(raw) if raw.isdigit() else 0
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(
        request,
        redirect_to=back,
        data={"inbox": inbox.pk},
        success=_("Replies in this case now go to %(name)s.") % {"name": inbox.name},
    )
