"""Update payloads for the tests, as Telegram sends them (webhook body or one item of
getUpdates' result).

Sources:
- The private-chat text, document and voice messages follow the sample updates of
  Telegram's "Marvin's Marvellous Guide to All Things Webhook"
  (core.telegram.org/bots/webhooks, "Testing your bot with updates"): update_id 10000,
  date 1441645532, user 1111111 "Test Lastname", document "Testfile.pdf" of 536392 bytes
  as application/pdf, voice of 5 s audio/ogg. Those samples predate two fields the
  current API always sends and python-telegram-bot requires: `chat.type` and
  `file_unique_id`; they are added.
- Groups, supergroups, forum topics, entities, replies and photos follow the object
  definitions of the Bot API reference (core.telegram.org/bots/api: Message,
  MessageEntity with "mention"/"bot_command", Chat.is_forum, Message.message_thread_id
  and is_topic_message, PhotoSize arrays smallest first), in the shape
  python-telegram-bot's own tests build them (tests/test_message.py, tests/test_update.py).
"""

from __future__ import annotations

from typing import Any

from .standin import BOT_ID, BOT_USERNAME

TEST_USER = {
    "id": 1111111,
    "is_bot": False,
    "first_name": "Test",
    "last_name": "Lastname",
    "username": "Test",
    "language_code": "en",
}
GROUP_ID = -1001234567890
FORUM_ID = -1009876543210


def user(uid: int, first: str, username: str = "", language: str = "en") -> dict[str, Any]:
    u: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first, "language_code": language}
    if username:
        u["username"] = username
    return u


def private_text(
    update_id: int, message_id: int, text: str, sender: dict[str, Any] | None = None
) -> dict[str, Any]:
    sender = sender or TEST_USER
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": 1441645532,
            "chat": {
                "id": sender["id"],
                "type": "private",
                "first_name": sender["first_name"],
                "username": sender.get("username", ""),
            },
            "from": sender,
            "text": text,
        },
    }


def private_document(
    update_id: int, message_id: int, file_id: str, caption: str = ""
) -> dict[str, Any]:
    update = private_text(update_id, message_id, "")
    msg = update["message"]
    del msg["text"]
    msg["document"] = {
        "file_id": file_id,
        "file_unique_id": "AgADbXXX",
        "file_name": "Testfile.pdf",
        "mime_type": "application/pdf",
        "file_size": 536392,
    }
    if caption:
        msg["caption"] = caption
    return update


def private_voice(update_id: int, message_id: int, file_id: str) -> dict[str, Any]:
    update = private_text(update_id, message_id, "")
    msg = update["message"]
    del msg["text"]
    msg["voice"] = {
        "file_id": file_id,
        "file_unique_id": "AgADvXXX",
        "duration": 5,
        "mime_type": "audio/ogg",
        "file_size": 23000,
    }
    return update


def private_photo(
    update_id: int, message_id: int, file_ids: tuple[str, str], caption: str = ""
) -> dict[str, Any]:
    update = private_text(update_id, message_id, "")
    msg = update["message"]
    del msg["text"]
    small, large = file_ids
    msg["photo"] = [
        {"file_id": small, "file_unique_id": "AQADs", "width": 90, "height": 60, "file_size": 1200},
        {
            "file_id": large,
            "file_unique_id": "AQADl",
            "width": 1280,
            "height": 853,
            "file_size": 84211,
        },
    ]
    if caption:
        msg["caption"] = caption
    return update


def _entities(text: str) -> list[dict[str, Any]]:
    out = []
    for word in text.split():
        start = text.index(word)
        if word.startswith("@"):
            out.append({"type": "mention", "offset": start, "length": len(word)})
        elif word.startswith("/") and start == 0:
            out.append({"type": "bot_command", "offset": 0, "length": len(word)})
    return out


def group_text(
    update_id: int,
    message_id: int,
    text: str,
    sender: dict[str, Any],
    *,
    chat_id: int = GROUP_ID,
    reply_to_bot: int | None = None,
    topic: int | None = None,
) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": "Demo Exchange Community"}
    if topic is not None:
        chat["is_forum"] = True
    msg: dict[str, Any] = {
        "message_id": message_id,
        "date": 1733300000,
        "chat": chat,
        "from": sender,
        "text": text,
    }
    entities = _entities(text)
    if entities:
        msg["entities"] = entities
    if topic is not None:
        msg["message_thread_id"] = topic
        msg["is_topic_message"] = True
        # In a topic Telegram sets reply_to_message to the topic's service message.
        msg["reply_to_message"] = {
            "message_id": topic,
            "date": 1733200000,
            "chat": chat,
            "from": sender,
            "forum_topic_created": {"name": f"Topic {topic}", "icon_color": 7322096},
        }
    if reply_to_bot is not None:
        msg["reply_to_message"] = {
            "message_id": reply_to_bot,
            "date": 1733299000,
            "chat": chat,
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Support",
                "username": BOT_USERNAME,
            },
            "text": "Our answer",
        }
    return {"update_id": update_id, "message": msg}


def edited(update_id: int) -> dict[str, Any]:
    update = private_text(update_id, 1365, "/start")
    update["edited_message"] = update.pop("message")
    update["edited_message"]["edit_date"] = 1441646600
    return update
