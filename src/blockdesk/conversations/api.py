"""REST endpoints for conversations (filled in by the API work)."""

from ninja import Router

router = Router()
