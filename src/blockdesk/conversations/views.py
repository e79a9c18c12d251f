"""Attachment downloads: agents by session, customers by a signed link."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest

from blockdesk.common.errors import NotFound
from blockdesk.conversations import selectors
from blockdesk.conversations.models import Attachment
from blockdesk.conversations.services import require_agent

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
