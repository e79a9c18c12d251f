"""A JSON WebSocket consumer whose frames are parsed by the bounded loader.

Channels' AsyncJsonWebsocketConsumer calls json.loads on any text frame and raises on a
binary one; a deeply nested frame could exhaust the stack. Here a frame that is not a small,
shallow JSON text gets an error frame and the socket is closed; nothing else is affected.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from blockdesk.common.jsonbody import BodyTooLarge, InvalidJson, loads_bounded

# Clients send small control frames (auth, ping, typing, seen): a few hundred bytes.
MAX_FRAME_CHARS = 64 * 1024
MAX_FRAME_DEPTH = 8
# RFC 6455 close codes: 1003 unsupported data (binary), 1007 invalid payload, 1009 too big.
CLOSE_UNSUPPORTED = 1003
CLOSE_INVALID = 1007
CLOSE_TOO_BIG = 1009


class BoundedJsonWebsocketConsumer(AsyncJsonWebsocketConsumer):
    max_frame_chars = MAX_FRAME_CHARS
    max_frame_depth = MAX_FRAME_DEPTH

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None:
            await self._refuse("unsupported_frame", CLOSE_UNSUPPORTED)
            return
        try:
            content = loads_bounded(
                text_data, max_bytes=self.max_frame_chars, max_depth=self.max_frame_depth
            )
        except BodyTooLarge:
            await self._refuse("too_large", CLOSE_TOO_BIG)
            return
        except InvalidJson as exc:
            await self._refuse(exc.code, CLOSE_INVALID)
            return
        await self.receive_json(content, **kwargs)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        return loads_bounded(
            text_data, max_bytes=cls.max_frame_chars, max_depth=cls.max_frame_depth
        )

    async def relay(self, message: dict[str, Any]) -> None:
        """A frame built for this socket by a registered handler (common/socket_handlers.py,
        `relay_to`/`relay_to_group`): sent as it is, except to the socket it came from."""
        if message.get("exclude") and message.get("exclude") == self.channel_name:
            return
        await self.send_json(message["event"])

    async def _refuse(self, code: str, close_code: int) -> None:
        await self.send_json({"type": "error", "code": code})
        await self.close(code=close_code)
