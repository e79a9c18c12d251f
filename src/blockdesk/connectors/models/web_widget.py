from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from blockdesk.connectors.models.base import BaseChannel
from blockdesk.connectors.registry import register_channel


def _public_token() -> str:
    return secrets.token_urlsafe(18)


@register_channel
class WebWidgetChannel(BaseChannel):
    """The chat widget embedded on a website with one script tag."""

    kind: ClassVar[str] = "web_widget"
    # Public: it appears in the page source of every site that embeds the widget.
    public_token = models.CharField(max_length=40, unique=True, default=_public_token)
    website_url = models.URLField(_("website"), blank=True)
    # Origins allowed to frame the widget (CSP frame-ancestors). Empty: only this server's
    # own pages; "*" (an explicit opt-in, warned about in settings): any site.
    allowed_origins = models.TextField(_("allowed origins"), blank=True)
    welcome_title = models.CharField(_("welcome title"), max_length=120, blank=True)
    welcome_tagline = models.CharField(_("welcome tagline"), max_length=255, blank=True)
    color = models.CharField(_("colour"), max_length=7, default="#1f6feb")

    def embed_snippet(self) -> SafeString:
        return format_html(
            '<script src="{}/widget/loader.js" data-blockdesk-inbox="{}" async></script>',
            settings.PUBLIC_URL,
            self.public_token,
        )

    @property
    def allows_any_origin(self) -> bool:
        return "*" in self.allowed_origins.split()

    def frame_ancestors(self) -> str:
        if self.allows_any_origin:
            return "*"
        origins = [o.strip() for o in self.allowed_origins.split() if o.strip()]
        return " ".join(["'self'", *origins])

    def settings_summary(self) -> dict[str, str]:
        return {"website": self.website_url, "token": self.public_token}
