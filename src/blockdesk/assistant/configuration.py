"""What agents and administrators change about the assistant: an inbox's settings, and
corrections of its answers (which become training examples)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.assistant import emitting, engine, selectors
from blockdesk.assistant.models import AssistantSettings, AssistantTurn, Correction
from blockdesk.common.errors import ValidationFailed
from blockdesk.common.netguard import UnsafeTarget, check_url
from blockdesk.conversations.models import Message
from blockdesk.safety.fields import redact_free_text

if TYPE_CHECKING:
    from blockdesk.assistant.nlu.model import IntentModel

Outcome = AssistantTurn.Outcome
logger = logging.getLogger(__name__)


def saved_model(*, account_id: int) -> IntentModel | None:
    """The account's trained model if one is on disk (never trains: a settings page
    must not wait for training); the installation's otherwise."""
    from blockdesk.assistant.nlu.model import IntentModel  # numpy and scikit-learn: on use

    for scope in (account_id, None):
        engine.sync_shared_model(scope)
        path = engine.model_path(scope)
        if path.is_file():
            try:
                return IntentModel.load(path)
            except (OSError, ValueError, EOFError) as exc:
                logger.warning("assistant: cannot read %s (%s)", path, exc)
    return None


def do_apply_risk_profiles(*, account_id: int, model: IntentModel | None) -> int:
    """After (re)training: set the thresholds of the account's inboxes that follow a
    risk setting from the new model's calibration. Returns how many changed."""
    changed = 0
    with transaction.atomic():
        rows = (
            AssistantSettings.objects.select_for_update()
            .filter(inbox__account_id=account_id)
            .exclude(risk_profile=AssistantSettings.Risk.CUSTOM)
        )
        for config in rows:
            answer, clarify = config.risk_thresholds(model)
            if (answer, clarify) != (config.answer_threshold, config.clarify_threshold):
                config.answer_threshold, config.clarify_threshold = answer, clarify
                config.full_clean()
                config.save(update_fields=["answer_threshold", "clarify_threshold", "updated_at"])
                changed += 1
    return changed


def do_record_correction(*, user: User, message_id: int, correct_key: str) -> Correction:
    """An agent says an assistant answer was wrong and names the right article: kept as
    a training example (the customer's question labelled with that article)."""
    reply = selectors.assistant_message_for_agent(user=user, message_id=message_id)
    account_id = int(reply.conversation.account_id)
    correct_key = (correct_key or "").strip()
    valid = {key for key, _title in selectors.article_choices(account_id=account_id, language="en")}
    if correct_key not in valid:
        raise ValidationFailed.field("correct_key", _("Choose a published article."))
    turn = AssistantTurn.objects.filter(reply=reply).select_related("message").first()
    question = turn.message.content if turn else ""
    if not question:
        previous = (
            Message.objects.filter(
                conversation_id=reply.conversation_id,
                sender_type=Message.SenderType.CONTACT,
                pk__lt=reply.pk,
            )
            .order_by("-pk")
            .first()
        )
        question = previous.content if previous else ""
    # Messages are redacted on intake, but a row stored before a guard rule existed
    # must not be copied into the training data verbatim.
    question = redact_free_text(question, account_id=account_id)[0]
    if not question.strip():
        raise ValidationFailed(_("There is no customer question to learn from."))
    wrong = ((reply.metadata or {}).get("assistant") or {}).get("article_key", "")
    with transaction.atomic():
        correction, _created = Correction.objects.update_or_create(
            reply=reply,
            created_by=user,
            defaults={
                "account_id": account_id,
                "turn": turn,
                "question": question,
                "wrong_key": wrong,
                "correct_key": correct_key,
            },
        )
        correction.full_clean()
        if turn is not None:
            AssistantTurn.objects.filter(pk=turn.pk).update(outcome=Outcome.CORRECTED)
        meta = dict(reply.metadata or {})
        meta["assistant"] = {**(meta.get("assistant") or {}), "corrected_to": correct_key}
        Message.objects.filter(pk=reply.pk).update(metadata=meta)
        emitting.emit_corrected(correction, conversation_id=reply.conversation_id, user_id=user.pk)
    return correction


SETTINGS_FIELDS = (
    "enabled",
    "risk_profile",
    "answer_threshold",
    "clarify_threshold",
    "handoff_keywords",
    "greeting",
    "business_timezone",
    "business_days",
    "business_start",
    "business_end",
    "out_of_hours_message",
    "resolution_timeout_minutes",
    "generative_enabled",
    "generative_url",
    "generative_model",
    "generative_timeout",
)


def do_update_settings(
    *, user: User, inbox_id: int, values: dict[str, Any], api_key: str | None = None
) -> AssistantSettings:
    """Admins only. ``api_key`` None keeps the stored key; "" removes it."""
    inbox = selectors.get_inbox_for_admin(user=user, inbox_id=inbox_id)
    check_model_url(url=str(values.get("generative_url") or ""))
    with transaction.atomic():
        config, _created = AssistantSettings.objects.select_for_update().get_or_create(inbox=inbox)
        for name in SETTINGS_FIELDS:
            if name in values:
                setattr(config, name, values[name])
        if api_key is not None:
            config.generative_api_key = api_key
        if config.risk_profile != AssistantSettings.Risk.CUSTOM:
            # A risk setting owns the thresholds: derived, not typed in.
            model = saved_model(account_id=int(inbox.account_id))
            config.answer_threshold, config.clarify_threshold = config.risk_thresholds(model)
        try:
            config.full_clean()
        except ValidationError as exc:
            raise ValidationFailed(
                _("Please correct the errors below."),
                fields={k: [str(m) for m in v] for k, v in exc.message_dict.items()},
            ) from exc
        config.save()
    return config


def check_model_url(*, url: str) -> None:
    """The model server URL passes the outbound-address guard (checked again at every call);
    private addresses only where the operator allows them. A name DNS cannot answer now is
    accepted: nothing is ever sent to an unresolved name."""
    if not url.strip():
        return
    try:
        check_url(
            url,
            allow_private=settings.ASSISTANT_ALLOW_PRIVATE_MODEL_URL,
            require_resolvable=False,
        )
    except UnsafeTarget as exc:
        raise ValidationFailed.field("generative_url", str(exc)) from exc


def do_set_enabled(*, inbox_id: int, enabled: bool) -> AssistantSettings:
    """For setup code (the demo seed): switch the assistant on or off for an inbox."""
    config, _created = AssistantSettings.objects.get_or_create(inbox_id=inbox_id)
    if config.enabled != enabled:
        config.enabled = enabled
        config.save(update_fields=["enabled", "updated_at"])
    return config
