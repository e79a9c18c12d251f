"""Settings → Webhooks (administrators). Views parse the form, call one service and
redirect; the services check the admin role and the account again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blockdesk.common.errors import ValidationFailed
from blockdesk.webhooks import selectors, services
from blockdesk.webhooks.forms import WebhookForm
from blockdesk.workspace.http import admin_required, current_agent

GET_POST = require_http_methods(["GET", "POST"])


def _form_errors(form: WebhookForm, exc: ValidationFailed) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@admin_required
@require_GET
def webhook_list(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    return render(
        request, "webhooks/list.html", {"webhooks": selectors.account_webhooks(user=user)}
    )


@admin_required
@GET_POST
def webhook_create(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = WebhookForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            webhook = services.do_create_webhook(actor=user, **form.cleaned_data)
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Webhook created. Copy its secret to verify signatures."))
            return redirect("webhooks:detail", webhook.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/form.html", {"form": form}, status=status)


@admin_required
@GET_POST
def webhook_detail(request: HttpRequest, webhook_id: int) -> HttpResponse:
    user = current_agent(request)
    webhook = selectors.get_webhook(user=user, webhook_id=webhook_id)
    initial = {"url": webhook.url, "events": webhook.events, "active": webhook.active}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_webhook(actor=user, webhook=webhook, **form.cleaned_data)
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("webhooks:detail", webhook.pk)
    context = {
        "webhook": webhook,
        "form": form,
        "deliveries": selectors.recent_deliveries(webhook=webhook),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/detail.html", context, status=status)


@admin_required
@require_GET
def webhook_secret(request: HttpRequest, webhook_id: int) -> HttpResponse:
    user = current_agent(request)
    webhook = selectors.get_webhook(user=user, webhook_id=webhook_id)
    response = render(request, "webhooks/secret.html", {"webhook": webhook})
    response["Cache-Control"] = "no-store"
    return response


@admin_required
@require_POST
def webhook_rotate_secret(request: HttpRequest, webhook_id: int) -> HttpResponse:
    user = current_agent(request)
    webhook = selectors.get_webhook(user=user, webhook_id=webhook_id)
    services.do_rotate_webhook_secret(actor=user, webhook=webhook)
    messages.success(request, _("A new secret is in use. Update your receiver."))
    return redirect("webhooks:secret", webhook.pk)


@admin_required
@require_POST
def webhook_set_active(request: HttpRequest, webhook_id: int) -> HttpResponse:
    user = current_agent(request)
    webhook = selectors.get_webhook(user=user, webhook_id=webhook_id)
    active = request.POST.get("active") == "1"
    services.do_set_webhook_active(actor=user, webhook=webhook, active=active)
    messages.success(request, _("Webhook enabled.") if active else _("Webhook disabled."))
    return redirect("webhooks:detail", webhook.pk)


@admin_required
@require_POST
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    user = current_agent(request)
    webhook = selectors.get_webhook(user=user, webhook_id=webhook_id)
    services.do_delete_webhook(actor=user, webhook=webhook)
    messages.success(request, _("Webhook deleted."))
    return redirect("webhooks:list")


@admin_required
@require_POST
def webhook_ping(request: HttpRequest, webhook_id: int) -> HttpResponse:
    user = current_agent(request)
    webhook = selectors.get_webhook(user=user, webhook_id=webhook_id)
    services.do_send_ping(actor=user, webhook=webhook)
    messages.success(request, _("A test delivery is on its way."))
    return redirect("webhooks:detail", webhook.pk)


@admin_required
@require_POST
def webhook_retry_failed(request: HttpRequest, webhook_id: int) -> HttpResponse:
    user = current_agent(request)
    webhook = selectors.get_webhook(user=user, webhook_id=webhook_id)
    count = services.do_retry_failed_deliveries(actor=user, webhook=webhook)
    text = ngettext(
        "Retrying %(n)d failed delivery.", "Retrying %(n)d failed deliveries.", count
    ) % {"n": count}
    messages.success(request, text)
    return redirect("webhooks:detail", webhook.pk)


@admin_required
@require_POST
def delivery_retry(request: HttpRequest, webhook_id: int, delivery_id: int) -> HttpResponse:
    user = current_agent(request)
    webhook = selectors.get_webhook(user=user, webhook_id=webhook_id)
    delivery = selectors.get_delivery(webhook=webhook, delivery_id=delivery_id)
    if services.do_retry_delivery(actor=user, delivery=delivery):
        messages.success(request, _("Retrying the delivery now."))
    else:
        messages.info(request, _("That delivery is not waiting for a retry."))
    return redirect("webhooks:detail", webhook.pk)
