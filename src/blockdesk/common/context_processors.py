from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def blockdesk(request: HttpRequest) -> dict[str, Any]:
    return {"PUBLIC_URL": settings.PUBLIC_URL, "PRODUCT_NAME": "Blockdesk"}
