"""Glue to the forum, kept in the lowest app that may see both it and feedback (the layers:
education sits above the forum | feedback row, whose apps may not import each other).

- A completed guide counts in the forum: the customer's forum member gets the "learner"
  badge, and the guide's own badge when the forum knows that code.
- The forum's trust levels give more votes on suggestions: each level above "new" adds
  `VOTES_PER_LEVEL` to the account's budget (feedback's budget registry).

Both are registered from EducationConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from blockdesk.conversations.models import Contact
from blockdesk.customers.selectors import customer_for_contact
from blockdesk.education.guides import register_completion_hook
from blockdesk.education.models import GuideCompletion
from blockdesk.feedback.services import register_budget_provider
from blockdesk.forum import levels, reputation

LEARNER = "learner"
VOTES_PER_LEVEL = 2


def award_completion_badges(completion: GuideCompletion) -> list[str]:
    """Inside the completing transaction; a customer without a public account (a widget
    visitor who took the quiz some other way) has no forum profile to show it on."""
    customer = customer_for_contact(contact=completion.contact)
    if customer is None:
        return []
    codes = [LEARNER]
    if completion.guide.badge_key in levels.BADGES:
        codes.append(completion.guide.badge_key)
    return [
        code
        for code in codes
        if reputation.award(member_id=customer.pk, account_id=customer.account_id, badge=code)
    ]


def trust_level_bonus(contact: Contact) -> int | None:
    customer = customer_for_contact(contact=contact)
    if customer is None:
        return None
    return reputation.level_of(customer) * VOTES_PER_LEVEL


def register() -> None:
    levels.register_badge(
        levels.Badge(LEARNER, _("Learner"), _("Completed a learning guide."), None)
    )
    register_completion_hook(award_completion_badges)
    register_budget_provider(trust_level_bonus)
