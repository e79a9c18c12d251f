"""The X API v2 routes the channel uses, over httpx through common/netguard's pinned
client (the base URL is a setting, X_API_BASE; the tests point it at a stand-in on
loopback, which X_API_ALLOW_PRIVATE lets through).

Failures are `DeliveryFailed`: a 429 waits until `x-rate-limit-reset`, 5xx and network
errors are retryable, other 4xx are not. An expired access token (401) is refreshed once
with the refresh token, and the new pair is stored."""

from __future__ import annotations

import time
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from blockdesk.common.netguard import UnsafeTarget, pinned_client
from blockdesk.connectors.contract import DeliveryFailed
from blockdesk.connectors.x.models import XChannel

DM_FIELDS = "id,text,event_type,created_at,sender_id,dm_conversation_id,attachments"
USER_FIELDS = "username,name"
# The media a customer attached (inbound_media.py): `includes.media` with these fields.
MEDIA_FIELDS = "media_key,type,url,preview_image_url,alt_text"


def _client() -> httpx.Client:
    return pinned_client(
        allow_private=settings.X_API_ALLOW_PRIVATE,
        base_url=settings.X_API_BASE.rstrip("/"),
        timeout=settings.X_API_TIMEOUT,
    )


def _failure(response: httpx.Response) -> DeliveryFailed:
    status = response.status_code
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset", "")
        wait = max(1.0, float(reset) - time.time()) if reset.isdigit() else 60.0
        return DeliveryFailed(_("X's rate limit: retry in %(s)d s.") % {"s": int(wait)},
                              retry_after=wait)  # fmt: skip
    if status >= 500:
        return DeliveryFailed(_("X answered %(status)d.") % {"status": status})
    try:
        body = response.json()
        detail = str(body.get("detail") or body.get("title") or "")
    except (ValueError, AttributeError):
        detail = ""
    return DeliveryFailed(
        _("X refused it (%(status)d %(detail)s).") % {"status": status, "detail": detail[:120]},
        retryable=False,
    )


def refresh(channel: XChannel) -> None:
    if not (channel.refresh_token and channel.client_id):
        raise DeliveryFailed(_("The X access token expired; sign in again."), retryable=False)
    auth = (channel.client_id, channel.client_secret) if channel.client_secret else None
    form = {"grant_type": "refresh_token", "refresh_token": channel.refresh_token,
            "client_id": channel.client_id}  # fmt: skip
    try:
        with _client() as client:
            response = client.post("/2/oauth2/token", data=form, auth=auth)  # type: ignore[arg-type]
    except (httpx.HTTPError, UnsafeTarget) as exc:
        raise DeliveryFailed(_("X could not be reached (%(error)s).")
                             % {"error": type(exc).__name__}) from exc  # fmt: skip
    if response.status_code != 200:
        raise _failure(response)
    body = response.json()
    channel.access_token = str(body.get("access_token") or "")
    channel.refresh_token = str(body.get("refresh_token") or channel.refresh_token)
    XChannel.objects.filter(pk=channel.pk).update(
        access_token=channel.access_token, refresh_token=channel.refresh_token
    )


def call(
    channel: XChannel, method: str, path: str, *, params: dict[str, Any] | None = None,
    json: Any = None, token: str | None = None, form: dict[str, str] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One request (`form` and `files`: multipart instead of JSON); an expired token is
    refreshed once."""
    for attempt in (1, 2):
        headers = {"Authorization": f"Bearer {token or channel.access_token}"}
        try:
            with _client() as client:
                response = client.request(method, path, params=params, json=json, headers=headers,
                                          data=form, files=files)  # fmt: skip
        except (httpx.HTTPError, UnsafeTarget) as exc:
            raise DeliveryFailed(_("X could not be reached (%(error)s).")
                                 % {"error": type(exc).__name__}) from exc  # fmt: skip
        if response.status_code == 401 and attempt == 1 and token is None:
            refresh(channel)
            continue
        if response.status_code >= 400:
            raise _failure(response)
        return response.json() if response.content else {}
    raise DeliveryFailed(_("X did not accept the refreshed token."), retryable=False)


def me(channel: XChannel, *, token: str | None = None) -> dict[str, Any]:
    return call(channel, "GET", "/2/users/me", token=token).get("data") or {}


def mentions(channel: XChannel) -> dict[str, Any]:
    params: dict[str, Any] = {
        "max_results": 100, "expansions": "author_id,attachments.media_keys",
        "user.fields": USER_FIELDS, "media.fields": MEDIA_FIELDS,
        "tweet.fields": "author_id,conversation_id,created_at,attachments",
    }  # fmt: skip
    if channel.since_mention_id:
        params["since_id"] = channel.since_mention_id
    return call(channel, "GET", f"/2/users/{channel.user_id}/mentions", params=params)


def dm_events(channel: XChannel) -> dict[str, Any]:
    params = {"max_results": 100, "event_types": "MessageCreate", "dm_event.fields": DM_FIELDS,
              "expansions": "sender_id,attachments.media_keys", "user.fields": USER_FIELDS,
              "media.fields": MEDIA_FIELDS}  # fmt: skip
    return call(channel, "GET", "/2/dm_events", params=params)


def upload_media(
    channel: XChannel, *, filename: str, data: bytes, content_type: str, for_dm: bool
) -> str:
    """X's v2 media upload (one request: images are small); returns the media id."""
    category = ("dm_" if for_dm else "tweet_") + ("gif" if content_type == "image/gif" else "image")
    body = call(channel, "POST", "/2/media/upload",
                form={"media_category": category, "media_type": content_type},
                files={"media": (filename, data, content_type)})  # fmt: skip
    media_id = str((body.get("data") or {}).get("id") or "")
    if not media_id:
        raise DeliveryFailed(_("X did not return a media id."))
    return media_id


def send_dm(channel: XChannel, participant_id: str, text: str, *, media_id: str = "") -> str:
    body: dict[str, Any] = {"text": text} if text else {}
    if media_id:
        body["attachments"] = [{"media_id": media_id}]
    data = call(channel, "POST", f"/2/dm_conversations/with/{participant_id}/messages",
                json=body).get("data") or {}  # fmt: skip
    return str(data.get("dm_event_id") or "")


def post_reply(channel: XChannel, in_reply_to: str, text: str, *, media_id: str = "") -> str:
    body: dict[str, Any] = {"reply": {"in_reply_to_tweet_id": in_reply_to}}
    if text:
        body["text"] = text
    if media_id:
        body["media"] = {"media_ids": [media_id]}
    return str((call(channel, "POST", "/2/tweets", json=body).get("data") or {}).get("id") or "")
