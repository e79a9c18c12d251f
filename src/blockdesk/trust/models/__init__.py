from blockdesk.trust.models.codes import AntiPhishingCode
from blockdesk.trust.models.official import OfficialChannel

__all__ = ["AntiPhishingCode", "OfficialChannel"]
