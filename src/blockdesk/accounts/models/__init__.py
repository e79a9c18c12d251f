from blockdesk.accounts.models.account import Account, Team, TeamMembership, User
from blockdesk.accounts.models.security import ApiToken, TotpDevice

__all__ = ["Account", "ApiToken", "Team", "TeamMembership", "TotpDevice", "User"]
