"""The Discord channel: a bot per inbox. Direct messages, a support channel where each
question becomes a thread (or a forum post), the `/support` slash command, staff roles.
See docs/discord.md."""
