"""The widget's HTTP API under /widget/api/<public_token>/. Called same-origin from
the widget frame; the visitor authenticates with `Authorization: Bearer <token>` (no
cookies, hence no CSRF). Every failure has the one error shape."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent, ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from blockdesk.common.errors import (
    BlockdeskError,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    ValidationFailed,
)
from blockdesk.common.jsonbody import request_json_object
from blockdesk.common.ratelimit import client_ip
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations import identity_links
from blockdesk.conversations.models import Contact
from blockdesk.conversations.services import SentMessage
from blockdesk.trust import presenters as trust_presenters
from blockdesk.trust import selectors as trust_selectors
from blockdesk.widget import selectors, services
from blockdesk.widget.serializers import (
    case_list_dict,
    public_event_dict,
    record_dict,
    visitor_dict,
    widget_conversation_dict,
    widget_message_dict,
)


class MethodNotAllowed(BlockdeskError):
    status = 405
    code = "method_not_allowed"


def error_response(exc: BlockdeskError) -> JsonResponse:
    response = JsonResponse(exc.as_dict(), status=exc.status)
    for key, value in exc.headers.items():
        response[key] = value
    return response


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    return token.strip()


def _body(request: HttpRequest) -> dict[str, Any]:
    """JSON or form fields, whichever the client sent; bounded in size and depth."""
    if request.content_type == "application/json":
        return request_json_object(request)
    try:
        return {key: request.POST.get(key) for key in request.POST}
    except (RequestDataTooBig, TooManyFilesSent) as exc:
        raise PayloadTooLarge() from exc


def _text(data: dict[str, Any], name: str, *, max_length: int | None = None) -> str:
    """A text field of the body; longer than `max_length` is refused, never cut."""
    value = str(data.get(name) or "")
    if max_length is not None:
        try:
            MaxLengthValidator(max_length)(value.strip())
        except ValidationError as exc:
            raise ValidationFailed.field(name, exc.messages[0]) from exc
    return value


def _contact_text(data: dict[str, Any], name: str) -> str:
    field = Contact._meta.get_field(name)
    return _text(data, name, max_length=getattr(field, "max_length", None))


def _int(value: Any, name: str, *, default: int | None = None) -> int | None:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed.field(name, _("Expected a whole number.")) from exc
    if number < 0:
        raise ValidationFailed.field(name, _("Expected a whole number."))
    return number


def _finish(response: HttpResponse) -> HttpResponse:
    # Personal data: never cached by the browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


ChannelView = Callable[..., HttpResponse]


def channel_endpoint(*methods: str) -> Callable[[ChannelView], ChannelView]:
    """For calls made before the visitor has a token: the view gets the channel."""

    def decorate(view: ChannelView) -> ChannelView:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, public_token: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(_("This method is not allowed here."))
                channel = services.get_widget_channel(public_token=public_token)
                response = view(request, channel, **kwargs)
            except BlockdeskError as exc:
                response = error_response(exc)
            return _finish(response)

        return wrapper

    return decorate


def visitor_endpoint(*methods: str) -> Callable[[ChannelView], ChannelView]:
    """For a visitor's own data: the view gets the resolved VisitorSession."""

    def decorate(view: ChannelView) -> ChannelView:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, public_token: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(_("This method is not allowed here."))
                channel = services.get_widget_channel(public_token=public_token)
                session = services.resolve_visitor(channel=channel, token=_bearer(request))
                response = view(request, session, **kwargs)
            except BlockdeskError as exc:
                response = error_response(exc)
            return _finish(response)

        return wrapper

    return decorate


# --- endpoints --------------------------------------------------------------------------


@channel_endpoint("POST")
def start_session(request: HttpRequest, channel: WebWidgetChannel) -> HttpResponse:
    services.check_public_rate_limit(scope="session", ip=client_ip(request.META))
    locale = _contact_text(_body(request), "locale")
    session, token = services.do_start_visitor_session(channel=channel, locale=locale)
    return JsonResponse(
        {"visitor_token": token, "visitor": visitor_dict(session.contact)}, status=201
    )


@visitor_endpoint("GET", "POST")
def me(request: HttpRequest, session: services.VisitorSession) -> HttpResponse:
    body: dict[str, Any] = {}
    if request.method == "POST":
        data = _body(request)
        services.check_public_rate_limit(
            scope="profile", ip=client_ip(request.META), session=session
        )
        update = services.do_update_visitor_profile(
            session=session,
            name=_contact_text(data, "name"),
            email=_contact_text(data, "email"),
            locale=_contact_text(data, "locale"),
        )
        if update.warning:
            body["warning"] = update.warning  # a wallet secret was typed and not stored
    return JsonResponse({"visitor": visitor_dict(session.contact), **body})


@visitor_endpoint("GET")
def conversations(request: HttpRequest, session: services.VisitorSession) -> HttpResponse:
    convs = selectors.visitor_case_list(contact=session.contact, channel=session.channel)
    return JsonResponse(
        {"conversations": [case_list_dict(c, here=session.channel.inbox_id) for c in convs[:100]]}
    )


@visitor_endpoint("GET")
def conversation_detail(
    request: HttpRequest, session: services.VisitorSession, conversation_id: int
) -> HttpResponse:
    conv = selectors.get_visitor_conversation(
        contact=session.contact, channel=session.channel, conversation_id=conversation_id
    )
    timeline = selectors.visitor_timeline(conversation=conv)
    return JsonResponse(
        {
            "conversation": widget_conversation_dict(conv),
            "timeline": [public_event_dict(e) for e in timeline],
        }
    )


@visitor_endpoint("GET")
def conversation_elsewhere(
    request: HttpRequest, session: services.VisitorSession, conversation_id: int
) -> HttpResponse:
    """A case of the customer's on another channel (their case list's `here: false`),
    read-only: its public messages after `after_id`, oldest first, a page at a time. It is
    answered on its own channel, so the widget sends nothing to it (docs/widget.md)."""
    conv = selectors.get_visitor_case_elsewhere(
        contact=session.contact, channel=session.channel, conversation_id=conversation_id
    )
    after_id = _int(request.GET.get("after_id"), "after_id", default=0) or 0
    items = selectors.visitor_messages(
        contact=session.contact, channel=session.channel, after_id=after_id, conversation=conv
    )
    return JsonResponse(
        {
            "conversation": case_list_dict(conv, here=session.channel.inbox_id),
            "messages": [widget_message_dict(m) for m in items],
            "has_more": len(items) == selectors.MAX_PAGE,
            "read_only": True,
        }
    )


@visitor_endpoint("GET")
def conversation_record(
    request: HttpRequest, session: services.VisitorSession, conversation_id: int
) -> HttpResponse:
    """The case's service record (docs/records.md); `record` is null until its first step
    is recorded. Another visitor's case answers 404 like any case that is not theirs."""
    conv = selectors.get_visitor_conversation(
        contact=session.contact,
        channel=session.channel,
        conversation_id=conversation_id,
        annotated=False,
    )
    return JsonResponse({"record": record_dict(selectors.visitor_record(conversation=conv))})


@visitor_endpoint("GET", "POST")
def messages(request: HttpRequest, session: services.VisitorSession) -> HttpResponse:
    if request.method == "POST":
        return _send_message(request, session)
    after_id = _int(request.GET.get("after_id"), "after_id", default=0) or 0
    limit = _int(request.GET.get("limit"), "limit", default=selectors.MAX_PAGE)
    conversation_id = _int(request.GET.get("conversation_id"), "conversation_id")
    conv = None
    if conversation_id is not None:
        conv = selectors.get_visitor_conversation(
            contact=session.contact, channel=session.channel, conversation_id=conversation_id
        )
    page_size = max(1, min(limit or selectors.MAX_PAGE, selectors.MAX_PAGE))
    items = selectors.visitor_messages(
        contact=session.contact,
        channel=session.channel,
        after_id=after_id,
        conversation=conv,
        limit=page_size,
    )
    return JsonResponse(
        {
            "messages": [widget_message_dict(m) for m in items],
            "has_more": len(items) == page_size,
        }
    )


def _send_message(request: HttpRequest, session: services.VisitorSession) -> HttpResponse:
    data = _body(request)
    services.check_public_rate_limit(scope="message", ip=client_ip(request.META), session=session)
    try:
        files = request.FILES.getlist("attachments")
    except (RequestDataTooBig, TooManyFilesSent) as exc:
        raise PayloadTooLarge() from exc
    sent = services.do_send_visitor_message(
        session=session,
        content=str(data.get("content") or ""),
        idempotency_key=str(data.get("idempotency_key") or ""),
        conversation_id=_int(data.get("conversation_id"), "conversation_id"),
        attachments=files,
    )
    body: dict[str, Any] = {
        "message": widget_message_dict(sent.message),
        "conversation": _sent_conversation_dict(session, sent),
        "created": sent.created,
    }
    # A link, handle or address the customer pasted that we (or a trusted peer) confirmed
    # as a scam: warn them at once, with who confirmed it.
    scam_warning = trust_presenters.scam_warning(
        trust_selectors.scams_in_text(
            account_id=session.contact.account_id, text=sent.message.content
        )
    )
    if scam_warning:
        body["scam_warning"] = scam_warning
    return JsonResponse(body, status=201 if sent.created else 200)


def _sent_conversation_dict(session: services.VisitorSession, sent: SentMessage) -> dict[str, Any]:
    """The case the message went to. A message just written is the case's newest, so
    the case in hand (updated by the send) needs no second read; a retried key or a
    case that moved on (the secret guard's warning) is read again from the database."""
    message = sent.message
    conv = message.conversation
    if sent.created and not message.is_private and conv.last_message_id == message.pk:
        return widget_conversation_dict(
            conv,
            last_public_id=message.pk,
            preview=message.content[: selectors.PREVIEW_LENGTH],
        )
    conv = selectors.get_visitor_conversation(
        contact=session.contact, channel=session.channel, conversation_id=message.conversation_id
    )
    return widget_conversation_dict(conv)


@visitor_endpoint("POST")
def followup(
    request: HttpRequest, session: services.VisitorSession, conversation_id: int
) -> HttpResponse:
    data = _body(request)
    services.check_public_rate_limit(scope="followup", ip=client_ip(request.META), session=session)
    conv = services.do_leave_visitor_followup(
        session=session, conversation_id=conversation_id, email=_contact_text(data, "email")
    )
    return JsonResponse({"conversation": widget_conversation_dict(conv)})


@visitor_endpoint("POST")
def identity_link(request: HttpRequest, session: services.VisitorSession) -> HttpResponse:
    """A link token for `kind` (telegram, discord, …): the channel that receives it back
    from the customer links their identity there to this visitor's profile (docs/identity.md).
    The visitor token proves the browser is this contact's."""
    data = _body(request)
    services.check_public_rate_limit(
        scope="identity-link", ip=client_ip(request.META), session=session
    )
    kind = _text(data, "kind", max_length=24)
    token = identity_links.issue_link_token(contact=session.contact, kind=kind)
    return JsonResponse(
        {"token": token, "kind": kind, "expires_in": identity_links.link_token_seconds()},
        status=201,
    )


@csrf_exempt
def unknown(request: HttpRequest, public_token: str, rest: str) -> HttpResponse:
    return _finish(error_response(NotFound()))
