from blockdesk.wallet_auth.models.nonce import WalletNonce

__all__ = ["WalletNonce"]
