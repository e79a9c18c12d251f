from blockdesk.notifications.models.reply_email import ReplyEmail
from blockdesk.notifications.models.subscriber import ListMailing, ListSubscriber

__all__ = ["ListMailing", "ListSubscriber", "ReplyEmail"]
