"""Discord's REST API, the few routes the channel uses, over httpx. The base URL is a
setting (DISCORD_API_BASE): the tests point it at a stand-in on loopback.

Every failure is a `DeliveryFailed`: a 429 carries Discord's `retry_after` (seconds, in
the body and the Retry-After header), 5xx and network errors are retryable, other 4xx
are not (a deleted thread, a missing permission) and carry Discord's message."""

from __future__ import annotations

import json as jsonlib
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from blockdesk.connectors.contract import DeliveryFailed

USER_AGENT = "DiscordBot (https://github.com/blockdesk/blockdesk, 1.0)"  # Discord asks for it
# No @everyone, no role pings from an agent's reply; the customer is not pinged either.
NO_MENTIONS: dict[str, Any] = {"parse": []}


def _client() -> httpx.Client:
    return httpx.Client(
        base_url=settings.DISCORD_API_BASE.rstrip("/"),
        timeout=settings.DISCORD_API_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
    )


def _retry_after(response: httpx.Response) -> float:
    try:
        body = response.json()
        return max(0.0, float(body.get("retry_after")))
    except (ValueError, TypeError, AttributeError):
        try:
            return max(0.0, float(response.headers.get("Retry-After", "5")))
        except ValueError:
            return 5.0


def call(
    token: str,
    method: str,
    path: str,
    *,
    json: Any = None,
    bot: bool = True,
    files: list[tuple[str, bytes, str]] | None = None,
) -> Any:
    """One request; the parsed JSON body (None for 204). With `files` (name, data,
    content type) it is multipart: the JSON goes in `payload_json`, file n in `files[n]`."""
    headers = {"Authorization": f"Bot {token}"} if bot else {}
    try:
        with _client() as client:
            if files:
                response = client.request(
                    method,
                    path,
                    data={"payload_json": jsonlib.dumps(json)},
                    files=[
                        (f"files[{n}]", (name, data, kind))
                        for n, (name, data, kind) in enumerate(files)
                    ],
                    headers=headers,
                )
            else:
                response = client.request(method, path, json=json, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(_("Discord could not be reached (%(error)s).")
                             % {"error": type(exc).__name__}) from exc  # fmt: skip
    if response.status_code == 429:
        wait = _retry_after(response)
        raise DeliveryFailed(_("Discord's rate limit: retry in %(s).1f s.") % {"s": wait},
                             retry_after=wait)  # fmt: skip
    if response.status_code >= 500:
        raise DeliveryFailed(_("Discord answered %(status)d.") % {"status": response.status_code})
    if response.status_code >= 400:
        try:
            detail = str(response.json().get("message") or "")
        except (ValueError, AttributeError):
            detail = ""
        raise DeliveryFailed(
            _("Discord refused it (%(status)d %(detail)s).")
            % {"status": response.status_code, "detail": detail[:120]},
            retryable=False,
        )
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


def get_me(token: str) -> dict[str, Any]:
    return call(token, "GET", "/users/@me") or {}


def create_message(
    token: str, channel_id: str, content: str, *, nonce: str = "", reply_to: str = ""
) -> dict[str, Any]:
    body: dict[str, Any] = {"content": content, "allowed_mentions": NO_MENTIONS}
    if nonce:
        # Discord returns the first message instead of a second one for the same nonce
        # within a few minutes: a lost answer followed by a retry does not post twice.
        body["nonce"], body["enforce_nonce"] = nonce[:25], True
    if reply_to:
        body["message_reference"] = {"message_id": reply_to, "fail_if_not_exists": False}
    return call(token, "POST", f"/channels/{channel_id}/messages", json=body) or {}


def create_file_message(
    token: str, channel_id: str, *, filename: str, data: bytes, content_type: str, nonce: str = ""
) -> dict[str, Any]:
    """A message carrying one file (Discord's multipart upload)."""
    body: dict[str, Any] = {
        "content": "",
        "allowed_mentions": NO_MENTIONS,
        "attachments": [{"id": 0, "filename": filename}],
    }
    if nonce:
        body["nonce"], body["enforce_nonce"] = nonce[:25], True
    path = f"/channels/{channel_id}/messages"
    return call(token, "POST", path, json=body, files=[(filename, data, content_type)]) or {}


def open_dm(token: str, user_id: str) -> str:
    return str((call(token, "POST", "/users/@me/channels", json={"recipient_id": user_id}) or {})
               .get("id") or "")  # fmt: skip


def start_thread_from_message(token: str, channel_id: str, message_id: str, name: str) -> str:
    path = f"/channels/{channel_id}/messages/{message_id}/threads"
    body = {"name": name[:100] or "support", "auto_archive_duration": 10080}
    return str((call(token, "POST", path, json=body) or {}).get("id") or "")


def start_thread(token: str, channel_id: str, name: str, *, forum: bool, content: str) -> str:
    """A new public thread in a text channel (type 11), or a post in a forum channel (its
    first message is `content`)."""
    body: dict[str, Any] = {"name": name[:100] or "support", "auto_archive_duration": 10080}
    if forum:
        body["message"] = {"content": content[:2000], "allowed_mentions": NO_MENTIONS}
    else:
        body["type"] = 11
    return str((call(token, "POST", f"/channels/{channel_id}/threads", json=body) or {})
               .get("id") or "")  # fmt: skip


def delete_message(token: str, channel_id: str, message_id: str) -> None:
    call(token, "DELETE", f"/channels/{channel_id}/messages/{message_id}")


def interaction_callback(interaction_id: str, interaction_token: str, body: dict[str, Any]) -> None:
    """The answer to an interaction that came over the gateway (no bot token: the
    interaction's own token is in the path)."""
    path = f"/interactions/{interaction_id}/{interaction_token}/callback"
    call("", "POST", path, json=body, bot=False)


def download(url: str, *, limit: int) -> bytes | None:
    """An attachment from Discord's CDN, at most `limit` bytes (None when larger or
    unreachable: it is then listed as skipped)."""
    try:
        with (
            httpx.Client(timeout=settings.DISCORD_API_TIMEOUT) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                return None
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > limit:
                    return None
            return data
    except httpx.HTTPError:
        return None
