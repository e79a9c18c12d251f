"""Unknown paths under /api/ answer with the API's error shape, not Django's HTML 404."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from blockdesk.common.errors import NotFound

router = Router(auth=None)

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.api_operation(_METHODS, "/{path:rest}", include_in_schema=False)
def unknown_path(request: HttpRequest, rest: str) -> None:
    raise NotFound()
