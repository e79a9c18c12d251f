"""Attachment downloads (agents by session, customers by a signed link), and the console's
merge and split of customer profiles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from blockdesk.common.errors import BlockdeskError, NotFound
from blockdesk.conversations import contact_moves, contact_selectors, selectors
from blockdesk.conversations.models import Attachment
from blockdesk.conversations.services import require_agent
from blockdesk.workspace.http import action_result, agent_required, current_agent

SIGNED_MAX_AGE = 7 * 24 * 3600


def sign_attachment(attachment_id: int) -> str:
    return signing.TimestampSigner(salt="attachment").sign(str(attachment_id)).split(":", 1)[1]


def _file_response(att: Attachment) -> FileResponse:
    response = FileResponse(att.file.open("rb"), content_type=att.content_type)
    # Never rendered inline as HTML by the browser, whatever its name says.
    disposition = "inline" if att.content_type.startswith("image/") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{att.pk}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def attachment_for_agent(request: HttpRequest, attachment_id: int) -> FileResponse:
    user = require_agent(request.user)
    att = (
        Attachment.objects.select_related("message__conversation").filter(pk=attachment_id).first()
    )
    if att is None or not selectors.agent_can_access_inbox(
        user=user, inbox_id=att.message.conversation.inbox_id
    ):
        raise Http404
    return _file_response(att)


def attachment_signed(request: HttpRequest, attachment_id: int, signature: str) -> FileResponse:
    try:
        signing.TimestampSigner(salt="attachment").unsign(
            f"{attachment_id}:{signature}", max_age=SIGNED_MAX_AGE
        )
    except signing.BadSignature as exc:
        raise Http404 from exc
    att = Attachment.objects.filter(pk=attachment_id, message__is_private=False).first()
    if att is None:
        raise NotFound()
    return _file_response(att)


# --- one customer across channels: agents merge and split profiles (docs/identity.md) ----


def _back(request: HttpRequest) -> str:
    """The conversation the agent acted from, else the inbox: where the answer returns."""
    raw = request.POST.get("back", "")
    if raw.isdigit():
        return reverse("workspace:conversation", args=[int(raw)])
    return reverse("workspace:inbox")


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


@agent_required
@require_POST
def merge_contacts(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Merge the profile `source` into `contact_id` (the one kept)."""
    user = current_agent(request)
    back = _back(request)
    source_ids = _ids([request.POST.get("source", "")])
    try:
        target = contact_selectors.get_contact_for_agent(user=user, contact_id=contact_id)
        if not source_ids:
            raise NotFound()
        source = contact_selectors.get_contact_for_agent(user=user, contact_id=source_ids[0])
        moved = contact_moves.do_agent_merge_contacts(actor=user, source=source, target=target)
    except NotFound as exc:  # another agent's customer, or none: the same answer
        raise Http404() from exc
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    done = ngettext(
        "The profiles were merged: %(count)d conversation moved.",
        "The profiles were merged: %(count)d conversations moved.",
        len(moved),
    ) % {"count": len(moved)}
    return action_result(
        request,
        redirect_to=back,
        data={"contact_id": target.pk, "conversation_ids": moved},
        success=done,
    )


@agent_required
@require_POST
def split_identity(request: HttpRequest, identity_id: int) -> HttpResponse:
    """Move one identity (and the conversations ticked, else those of its channel) to a
    new profile."""
    user = current_agent(request)
    back = _back(request)
    chosen = request.POST.getlist("conversations")
    try:
        identity = contact_selectors.get_identity_for_agent(user=user, identity_id=identity_id)
        new = contact_moves.do_split_identity(
            actor=user,
            identity=identity,
            conversation_ids=_ids(chosen) if request.POST.get("choose") == "1" else None,
            acted_from_display_id=next(iter(_ids([request.POST.get("back", "")])), None),
        )
    except NotFound as exc:
        raise Http404() from exc
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(
        request,
        redirect_to=back,
        data={"contact_id": new.pk},
        success=_("The identity now has a customer profile of its own."),
    )
