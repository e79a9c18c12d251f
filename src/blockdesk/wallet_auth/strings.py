"""Every string the wallet sign-in scripts show, translated on the server and handed to the
page as data (a JSON script tag or data attributes): the scripts stay static files and
translators see these strings with everything else. Placeholders use `%(name)s`."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

WALLET_STRINGS: dict[str, Promise] = {
    "sign_in": _("Sign in with wallet"),
    "signed_in": _("Signed in with wallet"),
    "signed_in_as": _("Signed in with wallet %(address)s"),
    "sign_out": _("Sign out"),
    "signed_out": _("You are signed out on this device."),
    "connecting": _("Connecting to your wallet…"),
    "check_wallet": _("Confirm the sign-in message in your wallet."),
    "verifying": _("Checking the signature…"),
    "success": _("Signed in as %(address)s."),
    "moved": _("Signed in as %(address)s. Your conversations from your other devices are here."),
    "no_wallet": _(
        "No wallet was found in this browser. Install a wallet extension, or open this page "
        "in your wallet app's browser."
    ),
    "rejected": _("You cancelled the request in your wallet."),
    "wallet_busy": _("Your wallet has a request waiting. Open your wallet to continue."),
    "failed": _("Wallet sign-in failed: %(reason)s"),
    "popup_blocked": _(
        "Your browser blocked the sign-in window. Allow pop-ups for this site and try again."
    ),
    "continue_in_window": _("Continue in the window that just opened."),
    "close_window": _("You can close this window."),
    "back": _("Go back"),
    "session_failed": _("The chat could not start. Please try again later."),
}


def translated(strings: dict[str, Promise]) -> dict[str, str]:
    """In the active language (the view decides which one)."""
    return {key: str(value) for key, value in strings.items()}
