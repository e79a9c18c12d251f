"""Images, videos and GIFs a customer sends on X (a DM's or a mention's
`attachments.media_keys`, described in the response's `includes.media`).

Each is fetched through common/netguard's pinned client (the guard for URLs that come
from outside: X names the URL, so it is checked like a user's), only from X's media
hosts (`X_MEDIA_HOSTS`), over https, without our credentials, and cut off past the
widget's size limit; then stored by `contract_inbound.do_receive` under the widget's
limits (type, size, content matching the type), after the secret guard. A photo is its
`url`; a video or an animated GIF is kept as its `preview_image_url` (a still: the widget
takes no video), with the post's link for the rest.

A fetch that fails keeps the message: the failure is noted on it, and a failure that may
pass (X's host down, a timeout, a 5xx) is tried again by the periodic job
(`retry_due_media`, XMediaFetch) until it works or `MAX_ATTEMPTS` is reached."""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.common.errors import BlockdeskError
from blockdesk.common.netguard import UnsafeTarget, pinned_client
from blockdesk.connectors.contract import InboundAttachment
from blockdesk.connectors.x.models import XChannel, XMediaFetch
from blockdesk.conversations.models import Message
from blockdesk.conversations.services.late_files import do_attach_late_files

logger = logging.getLogger(__name__)

MAX_MEDIA = 4  # X allows 4 images per post, 1 medium per DM
MAX_ATTEMPTS = 5
BACKOFF = (60, 300, 1800, 7200)  # seconds before attempt 2, 3, 4, 5


@dataclass(frozen=True)
class XMedia:
    key: str
    type: str  # photo, video, animated_gif
    url: str  # what is fetched: the photo, or a video's still
    alt_text: str = ""


class FetchFailed(Exception):
    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        self.retryable = retryable


def media_of(item: dict[str, Any], body: dict[str, Any]) -> tuple[XMedia, ...]:
    """The media of one post or DM event, in its `media_keys` order, from `includes`."""
    keys = ((item.get("attachments") or {}).get("media_keys")) or []
    described = {
        str(m.get("media_key")): m
        for m in (body.get("includes") or {}).get("media") or []
        if isinstance(m, dict)
    }
    found = []
    for key in keys[:MAX_MEDIA]:
        media = described.get(str(key))
        if media is None:
            continue
        kind = str(media.get("type") or "")
        url = str(media.get("url") if kind == "photo" else media.get("preview_image_url") or "")
        if url:
            found.append(XMedia(str(key), kind, url, str(media.get("alt_text") or "")[:500]))
    return tuple(found)


def _check_host(url: str) -> None:
    parts = urlsplit(url)
    # Plain http only towards a stand-in on loopback (X_API_ALLOW_PRIVATE, the tests').
    schemes = ("https", "http") if settings.X_API_ALLOW_PRIVATE else ("https",)
    if parts.scheme not in schemes or (parts.hostname or "") not in settings.X_MEDIA_HOSTS:
        raise FetchFailed(_("The media is not on X's media servers."), retryable=False)


def fetch(url: str) -> tuple[bytes, str]:
    """The file's bytes and content type, at most ATTACHMENT_MAX_BYTES. Raises
    FetchFailed (retryable when X's host may answer later)."""
    _check_host(url)
    limit = settings.ATTACHMENT_MAX_BYTES
    try:
        with (
            pinned_client(
                allow_private=settings.X_API_ALLOW_PRIVATE, timeout=settings.X_API_TIMEOUT
            ) as client,
            client.stream("GET", url) as response,
        ):
            status = response.status_code
            if status != 200:
                retryable = status >= 500 or status == 429
                raise FetchFailed(
                    _("X's media server answered %(status)d.") % {"status": status},
                    retryable=retryable,
                )
            declared = int(response.headers.get("content-length") or 0)
            if declared > limit:
                raise FetchFailed(_("The file is larger than the widget allows."), retryable=False)
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > limit:
                    raise FetchFailed(
                        _("The file is larger than the widget allows."), retryable=False
                    )
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
    except UnsafeTarget as exc:
        raise FetchFailed(_("The media address was refused."), retryable=False) from exc
    except httpx.HTTPError as exc:
        raise FetchFailed(
            _("X's media server could not be reached (%(error)s).") % {"error": type(exc).__name__},
            retryable=True,
        ) from exc
    guessed = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
    return bytes(data), (content_type or guessed).lower()


def _filename(media: XMedia, content_type: str) -> str:
    ext = mimetypes.guess_extension(content_type) or ""
    ext = ".jpg" if ext in (".jpe", ".jpeg") else ext
    label = "video_still" if media.type != "photo" else "photo"
    return f"x_{label}_{media.key}{ext}"


def fetch_all(
    media: tuple[XMedia, ...],
) -> tuple[list[InboundAttachment], list[dict[str, Any]]]:
    """The files fetched, and one note per failure ({key, type, url, reason, retry})."""
    files: list[InboundAttachment] = []
    failed: list[dict[str, Any]] = []
    for item in media:
        try:
            data, content_type = fetch(item.url)
        except FetchFailed as exc:
            logger.info("x media %s not fetched: %s", item.key, exc.reason)
            failed.append({"key": item.key, "type": item.type, "url": item.url,
                           "reason": exc.reason, "retry": exc.retryable})  # fmt: skip
            continue
        files.append(InboundAttachment(_filename(item, content_type), content_type, data))
    return files, failed


def do_schedule_retries(
    *, channel: XChannel, message: Message, failed: list[dict[str, Any]], now: dt.datetime
) -> None:
    rows = [
        XMediaFetch(
            channel=channel,
            message=message,
            media_key=f["key"][:64],
            media_type=f["type"][:16],
            url=f["url"][:500],
            reason=f["reason"],
            status=XMediaFetch.Status.PENDING if f["retry"] else XMediaFetch.Status.FAILED,
            next_at=now + dt.timedelta(seconds=BACKOFF[0]) if f["retry"] else None,
        )
        for f in failed
    ]
    XMediaFetch.objects.bulk_create(rows, ignore_conflicts=True)


def _retry_one(row: XMediaFetch, now: dt.datetime) -> str:
    media = XMedia(row.media_key, row.media_type, row.url)
    try:
        data, content_type = fetch(row.url)
        upload = SimpleUploadedFile(_filename(media, content_type), data, content_type=content_type)
        do_attach_late_files(
            message=row.message,
            attachments=[upload],
            extra_types=settings.CHANNEL_ATTACHMENT_EXTRA_TYPES,
        )
    except FetchFailed as exc:
        row.attempts += 1
        row.reason = exc.reason
        if exc.retryable and row.attempts < MAX_ATTEMPTS:
            row.next_at = now + dt.timedelta(seconds=BACKOFF[min(row.attempts, len(BACKOFF)) - 1])
        else:
            row.status, row.next_at = XMediaFetch.Status.FAILED, None
        row.save(update_fields=["attempts", "reason", "status", "next_at", "updated_at"])
        return str(row.status)
    except BlockdeskError as exc:  # the widget's limits refuse it: final
        row.status, row.next_at, row.reason = (
            XMediaFetch.Status.FAILED,
            None,
            str(exc.message)[:300],
        )
        row.save(update_fields=["reason", "status", "next_at", "updated_at"])
        return str(row.status)
    row.status, row.next_at, row.reason = XMediaFetch.Status.FETCHED, None, ""
    row.save(update_fields=["reason", "status", "next_at", "updated_at"])
    return str(row.status)


def retry_due_media(*, now: dt.datetime | None = None) -> int:
    """The periodic job: media whose retry is due, claimed one by one (a second worker
    skips a row already moved on). Returns how many were fetched."""
    now = now or timezone.now()
    ids = list(
        XMediaFetch.objects.filter(status=XMediaFetch.Status.PENDING, next_at__lte=now)
        .order_by("next_at")
        .values_list("pk", flat=True)[:50]
    )
    fetched = 0
    for pk in ids:
        lease = now + dt.timedelta(minutes=5)
        if not XMediaFetch.objects.filter(pk=pk, next_at__lte=now).update(next_at=lease):
            continue
        row = XMediaFetch.objects.select_related("message__conversation").get(pk=pk)
        fetched += _retry_one(row, now) == XMediaFetch.Status.FETCHED
    return fetched
