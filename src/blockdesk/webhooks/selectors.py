"""Reads for the webhook settings pages, scoped to the admin's account."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.webhooks.models import Webhook, WebhookDelivery


def account_webhooks(*, user: User) -> QuerySet[Webhook]:
    return Webhook.objects.filter(account_id=user.account_pk).annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__status="failed")),
        waiting_count=Count("deliveries", filter=Q(deliveries__status__in=["pending", "retrying"])),
    )


def get_webhook(*, user: User, webhook_id: int) -> Webhook:
    webhook = account_webhooks(user=user).filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound(_("No such webhook."))
    return webhook


def recent_deliveries(*, webhook: Webhook, limit: int = 50) -> list[WebhookDelivery]:
    return list(webhook.deliveries.order_by("-created_at", "-id")[:limit])


def get_delivery(*, webhook: Webhook, delivery_id: int) -> WebhookDelivery:
    delivery = webhook.deliveries.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("No such delivery."))
    return delivery
