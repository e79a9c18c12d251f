"""The Telegram channel: a bot per inbox, private chats, groups and supergroups (forum
topics too), over a webhook or long polling. See docs/telegram.md."""
