"""The conversation view's side panels: transaction diagnosis and watching, knowledge
suggestions. Like every console action, the POSTs work as plain forms and as JSON."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts.models import User
from blockdesk.common.errors import BlockdeskError
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.conversations.models import Conversation
from blockdesk.workspace import panels, services
from blockdesk.workspace.http import action_result, agent_required, current_agent

logger = logging.getLogger(__name__)


def _target(request: HttpRequest, display_id: int) -> tuple[User, Conversation, str]:
    user = current_agent(request)
    conv = conv_selectors.get_conversation_for_agent(user=user, display_id=display_id)
    url = reverse("workspace:conversation", args=[conv.display_id])
    query = request.GET.urlencode()
    return user, conv, (f"{url}?{query}" if query else url) + "#crypto-panel"


def _posted_hash(request: HttpRequest) -> str:
    # A Diagnose button in a message sends `message_hash`; the panel's own field `tx_hash`.
    return request.POST.get("message_hash") or request.POST.get("tx_hash") or ""


@agent_required
@require_POST
def diagnose(request: HttpRequest, display_id: int) -> HttpResponse:
    user, conv, back = _target(request, display_id)
    try:
        event = services.do_diagnose_transaction(
            actor=user,
            conversation=conv,
            tx_hash=_posted_hash(request),
            chain=request.POST.get("chain") or None,
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(
        request, redirect_to=back, data={"diagnosis": panels.diagnosis_view(event)}
    )


@agent_required
@require_POST
def watch(request: HttpRequest, display_id: int) -> HttpResponse:
    user, conv, back = _target(request, display_id)
    try:
        watch, created = services.do_watch_transaction(
            actor=user,
            conversation=conv,
            tx_hash=_posted_hash(request),
            chain=request.POST.get("chain") or None,
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    message = (
        _("Watching the transaction. The customer and you will hear when it settles.")
        if created
        else _("This transaction is already being watched.")
    )
    return action_result(
        request,
        redirect_to=back,
        data={"watch": {"id": watch.pk, "tx_hash": watch.tx_hash}, "notice": message},
        success=message,
    )


@agent_required
@require_GET
def knowledge_json(request: HttpRequest, display_id: int) -> JsonResponse:
    """Articles for `q`, or without it suggestions from the customer's recent messages."""
    user = current_agent(request)
    conv = conv_selectors.get_conversation_for_agent(user=user, display_id=display_id)
    typed = (request.GET.get("q") or "").strip()[:200]
    query = typed or panels.suggestion_query(conversation=conv)
    language = panels.kb_language(locale=conv.contact.locale, text=query)
    try:
        articles = panels.knowledge_articles(user=user, query=query, language=language)
    except Exception:
        # A broken index or embedder must not take the conversation view down with it.
        logger.exception("knowledge panel search failed for conversation %s", conv.pk)
        return JsonResponse(
            {"error": {"code": "search_failed", "message": _("Search is unavailable.")}},
            status=503,
        )
    return JsonResponse(
        {"query": query, "suggested": not typed, "language": language, "articles": articles}
    )
