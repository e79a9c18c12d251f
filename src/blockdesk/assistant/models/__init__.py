from .records import AssistantConversation, AssistantTurn, Correction
from .settings import AssistantSettings

__all__ = ["AssistantConversation", "AssistantSettings", "AssistantTurn", "Correction"]
