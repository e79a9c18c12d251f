from blockdesk.notifications.models.reply_email import ReplyEmail

__all__ = ["ReplyEmail"]
