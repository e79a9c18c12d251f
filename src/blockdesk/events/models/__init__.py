from blockdesk.events.models.consumer import ConsumerCursor, ConsumerRetry
from blockdesk.events.models.event import ActorKind, Event, TxId

__all__ = ["ActorKind", "ConsumerCursor", "ConsumerRetry", "Event", "TxId"]
