from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from blockdesk.common.plain_sql import fetch_all


class Tag(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tags")
    name = models.SlugField(_("name"), max_length=50, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class ConversationSequence(models.Model):
    """Per-account counter behind the display number (#1, #2, …) agents talk about."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class Conversation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        SNOOZED = "snoozed", _("Snoozed")
        RESOLVED = "resolved", _("Resolved")

    class Priority(models.IntegerChoices):
        # Integers so that ordering by priority is ordering by urgency.
        URGENT = 0, _("Urgent")
        HIGH = 1, _("High")
        NORMAL = 2, _("Normal")
        LOW = 3, _("Low")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey(
        "conversations.Inbox", on_delete=models.CASCADE, related_name="conversations"
    )
    contact = models.ForeignKey(
        "conversations.Contact", on_delete=models.CASCADE, related_name="conversations"
    )
    display_id = models.PositiveIntegerField()
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.SET_NULL, null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    # Set when a customer pasted a seed phrase or private key (redacted before storage):
    # the wallet must be treated as exposed, so agents see the case flagged and urgent.
    secret_exposed = models.BooleanField(default=False)
    # Customers may leave an email when they go, to be answered later.
    followup_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)
    # The first public reply by a person (agents' first-response time). The assistant's
    # replies are measured apart: counting them here made any first-response figure read
    # near zero in inboxes where the assistant answers first.
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_human_response_at = models.DateTimeField(null=True, blank=True)
    first_bot_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_message_id = models.BigIntegerField(default=0)
    # The newest customer message; an agent has unread messages when their read marker is behind.
    last_incoming_id = models.BigIntegerField(default=0)
    # The newest message the customer has seen in the open widget (its "seen" frames): replies
    # past it are emailed to a follow-up address (notifications app).
    contact_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-last_activity_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "display_id"], name="conversation_display_id"
            ),
            models.CheckConstraint(
                condition=Q(status="snoozed", snoozed_until__isnull=False)
                | (~Q(status="snoozed") & Q(snoozed_until__isnull=True)),
                name="conversation_snooze_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["inbox", "status", "-last_activity_at"]),
            models.Index(fields=["assignee", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.display_id}"

    def tag_names(self) -> list[str]:
        """The tags' names, sorted: the prefetched tags when the caller prefetched them,
        else one statement built once (every status change and card push reads them)."""
        prefetched = getattr(self, "_prefetched_objects_cache", {})
        if "tags" in prefetched:
            return sorted(t.name for t in prefetched["tags"])
        links = fetch_all(
            Conversation.tags.through, where={"conversation": self.pk}, related=("tag",)
        )
        return sorted(link.tag.name for link in links)


class ConversationEvent(models.Model):
    """The timeline of a case. Public events are shown to the customer; internal ones
    (notes, tags, priorities) only to agents."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        ASSIGNED = "assigned", _("Assigned")
        UNASSIGNED = "unassigned", _("Unassigned")
        TEAM_CHANGED = "team_changed", _("Team changed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        TAGS_CHANGED = "tags_changed", _("Tags changed")
        FOLLOWUP_EMAIL = "followup_email", _("Follow-up email left")
        SECRET_REDACTED = "secret_redacted", _("Secret removed from a message")
        # Internal: structured facts of a transaction check (agent panel or a finished watch).
        DIAGNOSIS = "diagnosis", _("Transaction diagnosis")
        # Internal: replies sent to the customer's follow-up email address, or given up on.
        REPLY_EMAILED = "reply_emailed", _("Replies emailed to the customer")
        REPLY_EMAIL_FAILED = "reply_email_failed", _("Reply email could not be sent")
        # Internal: an agent merged the customer's profile or split an identity off it.
        CONTACT_MERGED = "contact_merged", _("Customer profiles merged")
        CONTACT_SPLIT = "contact_split", _("Customer profile split")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    is_public = models.BooleanField(default=False)
    actor = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class CannedReply(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="canned_replies"
    )
    shortcut = models.SlugField(_("shortcut"), max_length=40)
    content = models.TextField(_("content"))

    class Meta:
        ordering = ["shortcut"]
        constraints = [
            models.UniqueConstraint(fields=["account", "shortcut"], name="canned_reply_shortcut")
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class ReadMarker(models.Model):
    """How far an agent has read a conversation; unread counts derive from it."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="read_marker_unique")
        ]
