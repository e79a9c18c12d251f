from blockdesk.chain.models.registry import Chain, ContractAbi, DepositAddress, Family, Token
from blockdesk.chain.models.sighting import TransactionSighting
from blockdesk.chain.models.watch import TransactionWatch

__all__ = [
    "Chain",
    "ContractAbi",
    "DepositAddress",
    "Family",
    "Token",
    "TransactionSighting",
    "TransactionWatch",
]
