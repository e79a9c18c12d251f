from blockdesk.trust.models.codes import AntiPhishingCode
from blockdesk.trust.models.official import OfficialChannel
from blockdesk.trust.models.scams import ReportedScam

__all__ = ["AntiPhishingCode", "OfficialChannel", "ReportedScam"]
