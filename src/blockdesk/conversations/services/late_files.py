"""Files a channel could fetch only after the customer's message was stored (the
platform's media host was down when the message came in: connectors/x/inbound_media.py).
They join that message, checked like any upload; the console shows them with the message
from its next load."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations.models import Message
from blockdesk.conversations.services.messages import _store_attachments, check_attachment

MAX_FILES_PER_MESSAGE = 10


def do_attach_late_files(
    *,
    message: Message,
    attachments: Sequence[UploadedFile],
    extra_types: Collection[str] = (),
) -> None:
    """Adds `attachments` to a customer's `message`. Raises ValidationFailed (nothing
    stored) for a file the widget's limits refuse or one too many."""
    if message.sender_type != Message.SenderType.CONTACT:
        raise ValidationFailed(_("Only a customer's message gets files afterwards."))
    for upload in attachments:
        check_attachment(upload=upload, extra_types=extra_types)
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.attachments.count() + len(attachments) > MAX_FILES_PER_MESSAGE:
            raise ValidationFailed(_("Too many attachments."))
        _store_attachments(message, attachments)
