from blockdesk.accounts.models.account import Account, Team, User
from blockdesk.accounts.models.security import ApiToken, TotpDevice

__all__ = ["Account", "ApiToken", "Team", "TotpDevice", "User"]
