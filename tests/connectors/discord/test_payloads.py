"""The gateway's dispatches, normalised by plain functions (no database, no network),
from the recorded payloads of Discord's documentation (payloads/README.md)."""

from __future__ import annotations

from blockdesk.connectors.discord import payloads

from .conftest import frame


def parse(name: str, **changes: object) -> object:
    data = frame(name, **changes)
    return payloads.parse_dispatch(data["t"], data["d"])


def test_a_guild_message_keeps_its_channel_guild_author_and_roles() -> None:
    message = parse("message_create_guild")
    assert isinstance(message, payloads.IncomingMessage)
    assert (message.id, message.channel_id, message.guild_id) == (
        "334385199974967042",
        "290926798999357250",
        "290926798626357999",
    )
    assert message.author.id == "53908099506183680" and message.author.username == "Mason"
    assert not message.author.bot and message.author.roles == frozenset()
    assert not message.is_dm and "stuck" in message.content


def test_a_direct_message_has_no_guild() -> None:
    message = parse("message_create_dm")
    assert isinstance(message, payloads.IncomingMessage) and message.is_dm


def test_a_member_nickname_is_the_display_name_and_a_webhook_post_is_no_message() -> None:
    named = parse("message_create_guild", member={"roles": ["1"], "nick": "Mase"})
    assert isinstance(named, payloads.IncomingMessage)
    assert named.author.display_name == "Mase" and named.author.roles == {"1"}
    assert parse("message_create_guild", webhook_id="223704706495545344") is None


def test_a_thread_names_its_parent() -> None:
    thread = parse("thread_create")
    assert isinstance(thread, payloads.ThreadCreated)
    assert (thread.id, thread.parent_id, thread.owner_id) == (
        "41771983423143937",
        "290926798999357251",
        "53908099506183680",
    )
    assert parse("thread_create", type=0) is None  # a text channel is no thread


def test_the_slash_command_carries_its_option_member_and_token() -> None:
    interaction = parse("interaction_create")
    assert isinstance(interaction, payloads.Interaction)
    assert interaction.type == payloads.APPLICATION_COMMAND and interaction.command == "support"
    assert interaction.options == {"question": "Where is my deposit?"}
    assert interaction.token == "A_UNIQUE_TOKEN" and interaction.guild_id == "290926798626357999"
    assert interaction.author is not None
    assert interaction.author.id == "53908232506183680"
    assert interaction.author.roles == {"539082325061836999"}


def test_other_events_and_broken_payloads_are_ignored() -> None:
    assert payloads.parse_dispatch("TYPING_START", {"channel_id": "1"}) is None
    assert payloads.parse_dispatch("MESSAGE_CREATE", {"id": "1"}) is None
    assert payloads.parse_dispatch("MESSAGE_CREATE", ["not", "a", "dict"]) is None
