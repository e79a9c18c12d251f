"""A local stand-in for the Telegram Bot API on loopback. The real service
(api.telegram.org) cannot be reached from this machine, so the tests point
python-telegram-bot at this server (settings.TELEGRAM_API_BASE_URL) instead.

It speaks the Bot API's HTTP protocol as python-telegram-bot uses it: POST
/bot<token>/<method> with a form-encoded or multipart body (each value JSON-encoded when
it is not a string), answers {"ok": true, "result": ...} or {"ok": false, "error_code",
"description", "parameters": {"retry_after"}}, and serves files at
/file/bot<token>/<file_path>. Methods: getMe, setWebhook, deleteWebhook, getUpdates,
sendMessage, sendPhoto, sendDocument, sendVoice, getFile, deleteMessage. Faults: `down`
(every call answers 502, as Telegram's front does when the Bot API is unavailable),
`rate_limit(n, retry_after)` (the next n sends answer 429)."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

BOT_ID = 7000000001
BOT_USERNAME = "blockdesk_support_bot"
# A made-up token of the real shape (bot id, colon, 35 characters).
TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    message_id: int = 0


class BotApiStandIn:
    def __init__(self, token: str) -> None:
        self.token = token
        self.sent: list[Sent] = []
        self.calls: list[str] = []
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, data)
        self.webhook: dict[str, Any] = {}
        self.down = False
        self.can_delete = True
        self.deleted: list[tuple[int, int]] = []
        self._rate_limited = 0
        self._retry_after = 0
        self._next_id = 9000
        self._lock = threading.Lock()
        handler = _handler(self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> BotApiStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def rate_limit(self, count: int, retry_after: int) -> None:
        self._rate_limited, self._retry_after = count, retry_after

    def add_file(self, file_id: str, path: str, data: bytes) -> None:
        self.files[file_id] = (path, data)

    def messages(self, method: str | None = None) -> list[Sent]:
        return [s for s in self.sent if method is None or s.method == method]

    # --- the API ---------------------------------------------------------------------

    def dispatch(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append(method)
            if method == "getMe":
                return 200, _ok(
                    {
                        "id": BOT_ID,
                        "is_bot": True,
                        "first_name": "Support",
                        "username": BOT_USERNAME,
                        "can_join_groups": True,
                        "can_read_all_group_messages": False,
                        "supports_inline_queries": False,
                    }
                )
            if method == "setWebhook":
                self.webhook = params
                return 200, _ok(True)
            if method == "deleteWebhook":
                self.webhook = {}
                return 200, _ok(True)
            if method == "getUpdates":
                offset = int(params.get("offset") or 0)
                pending = [u for u in self.updates if u["update_id"] >= offset]
                # Telegram forgets updates below the offset once it is confirmed.
                self.updates = pending
                return 200, _ok(pending[: int(params.get("limit") or 100)])
            if method == "getFile":
                path, data = self.files[params["file_id"]]
                return 200, _ok(
                    {
                        "file_id": params["file_id"],
                        "file_unique_id": "u" + params["file_id"],
                        "file_size": len(data),
                        "file_path": path,
                    }
                )
            if method == "deleteMessage":
                if not self.can_delete:
                    return 400, _error(400, "Bad Request: message can't be deleted")
                self.deleted.append((int(params["chat_id"]), int(params["message_id"])))
                return 200, _ok(True)
            if method in ("sendMessage", "sendPhoto", "sendDocument", "sendVoice"):
                if self._rate_limited:
                    self._rate_limited -= 1
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {self._retry_after}",
                        "parameters": {"retry_after": self._retry_after},
                    }
                self._next_id += 1
                self.sent.append(Sent(method, params, files, self._next_id))
                return 200, _ok(self._message(method, params, files))
            return 404, _error(404, "Not Found")

    def _message(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        result: dict[str, Any] = {
            "message_id": self._next_id,
            "date": int(time.time()),
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Support",
                "username": BOT_USERNAME,
            },
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
        }
        if "text" in params:
            result["text"] = params["text"]
        if params.get("message_thread_id"):
            result["message_thread_id"] = int(params["message_thread_id"])
            result["is_topic_message"] = True
        for name, (filename, data) in files.items():
            file_id = f"sent-{self._next_id}-{name}"
            if method == "sendPhoto":
                result["photo"] = [
                    {
                        "file_id": file_id,
                        "file_unique_id": file_id,
                        "width": 1,
                        "height": 1,
                        "file_size": len(data),
                    }
                ]
            elif method == "sendVoice":
                result["voice"] = {"file_id": file_id, "file_unique_id": file_id, "duration": 1}
            else:
                result["document"] = {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "file_name": filename,
                    "file_size": len(data),
                }
        return result


def _ok(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_body(
    content_type: str, body: bytes
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if content_type.startswith("multipart/form-data"):
        msg = email.message_from_bytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
        )
        for part in msg.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            data = part.get_payload(decode=True) or b""
            if filename:
                files[name] = (filename, data)
            else:
                params[name] = _decode(data.decode())
    elif content_type.startswith("application/json"):
        params = json.loads(body or b"{}")
    else:
        params = {k: _decode(v) for k, v in parse_qsl(body.decode())}
    return params, files


def _handler(api: BotApiStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, payload: dict[str, Any] | bytes) -> None:
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header(
                "Content-Type",
                "application/json" if isinstance(payload, dict) else "application/octet-stream",
            )
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _route(self) -> None:
            path = unquote(urlsplit(self.path).path)  # PTB quotes the token's ":"
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if api.down:
                self._reply(502, _error(502, "Bad Gateway"))
                return
            if path.startswith(f"/file/bot{api.token}/"):
                wanted = path.removeprefix(f"/file/bot{api.token}/")
                for file_path, data in api.files.values():
                    if file_path == wanted:
                        self._reply(200, data)
                        return
                self._reply(404, _error(404, "Not Found"))
                return
            prefix, _, method = path.lstrip("/").partition("/")
            if prefix != f"bot{api.token}":
                self._reply(401, _error(401, "Unauthorized"))
                return
            params, files = _parse_body(self.headers.get("Content-Type", ""), body)
            query = dict(parse_qsl(urlsplit(self.path).query))
            status, payload = api.dispatch(method, {**query, **params}, files)
            self._reply(status, payload)

        do_GET = do_POST = _route

    return Handler
