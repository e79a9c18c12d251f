"""Votes and flags.

Idempotent per member: the database allows one vote per (member, post) and one flag per
(member, post); voting the same way again is a no-op, the other way changes the vote and
moves its points (the entry's source is the vote row, so points can never double).
Sock puppets: at most `MAX_VOTES_PER_ADDRESS` votes on one post from one client address,
whatever the accounts; votes per member and per address are rate-limited. Voting needs
trust level Basic (up) or Member (down); nobody votes on their own post."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from blockdesk.common.crypto import hash_token
from blockdesk.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import levels, reputation
from blockdesk.forum.models import Answer, Flag, Question, Vote
from blockdesk.forum.models.posts import Status

MAX_VOTES_PER_ADDRESS = 2
VOTES_PER_HOUR = 60
VOTES_PER_HOUR_PER_ADDRESS = 120
FLAGS_TO_HIDE = 3  # flags from Member+ that hide a post until a moderator looks


def _target(post: Question | Answer) -> dict[str, Question | Answer]:
    return {"question": post} if isinstance(post, Question) else {"answer": post}


def _points(post: Question | Answer, value: int) -> int:
    if value < 0:
        return levels.DOWNVOTE_RECEIVED
    return levels.UPVOTE_QUESTION if isinstance(post, Question) else levels.UPVOTE_ANSWER


def _category_id(post: Question | Answer) -> int:
    return post.category_id if isinstance(post, Question) else post.question.category_id


def do_vote(*, voter: CustomerAccount, post: Question | Answer, value: object, ip: str) -> int:
    """Records the member's vote (+1, -1, or 0 to withdraw); returns the post's new score."""
    if value not in (-1, 0, 1, "-1", "0", "1"):
        raise ValidationFailed.field("value", _("A vote is up or down."))
    direction = int(value)  # type: ignore[call-overload]
    if post.account_id != voter.account_id or post.status != Status.PUBLISHED:
        raise NotFound()
    if post.author_id == voter.pk:
        raise Forbidden(_("You cannot vote on your own post."))
    level = reputation.level_of(voter)
    needed = levels.Level.MEMBER if direction < 0 else levels.Level.BASIC
    if direction and level < needed:
        raise Forbidden(
            _("Voting unlocks at trust level %(level)s.") % {"level": levels.level_name(needed)}
        )
    ip_hash = hash_token(f"ip:{ip}")[:32]
    check_rate_limit(scope="forum-vote", key=str(voter.pk), limit=VOTES_PER_HOUR, window=3600)
    check_rate_limit(
        scope="forum-vote-ip", key=ip_hash, limit=VOTES_PER_HOUR_PER_ADDRESS, window=3600
    )
    model = type(post)
    with transaction.atomic():
        existing = Vote.objects.select_for_update().filter(voter=voter, **_target(post)).first()
        old = existing.value if existing else 0
        if old == direction:
            return model.objects.get(pk=post.pk).score
        if existing is not None:
            if post.author_id:
                reputation.remove_points(account_id=post.account_id, source=f"vote:{existing.pk}")
            existing.delete()
        if direction:
            others = (
                Vote.objects.filter(ip_hash=ip_hash, **_target(post)).exclude(voter=voter).count()
            )
            if others >= MAX_VOTES_PER_ADDRESS:
                raise Conflict(
                    _("Too many votes on this post from your network."), code="vote_address_limit"
                )
            try:
                with transaction.atomic():
                    vote = Vote.objects.create(
                        account_id=post.account_id,
                        voter=voter,
                        value=direction,
                        ip_hash=ip_hash,
                        **_target(post),
                    )
            except IntegrityError as exc:  # a racing tab voted first
                raise Conflict(_("Your vote was already counted.")) from exc
            if post.author_id:
                reputation.add_points(
                    member_id=post.author_id,
                    account_id=post.account_id,
                    category_id=_category_id(post),
                    points=_points(post, direction),
                    source=f"vote:{vote.pk}",
                )
        model.objects.filter(pk=post.pk).update(score=F("score") + (direction - old))
        return model.objects.get(pk=post.pk).score


def do_flag(*, flagger: CustomerAccount, post: Question | Answer, reason: object) -> bool:
    """One flag per member and post; enough flags hide the post for moderation. Returns
    False when this member had already flagged it."""
    if reason not in Flag.Reason.values:
        raise ValidationFailed.field("reason", _("Choose a reason."))
    if post.account_id != flagger.account_id or post.status == Status.REMOVED:
        raise NotFound()
    level = reputation.level_of(flagger)
    if level < levels.Level.BASIC:
        raise Forbidden(_("Flagging unlocks at trust level Basic."))
    check_rate_limit(scope="forum-flag", key=str(flagger.pk), limit=20, window=3600)
    try:
        with transaction.atomic():
            Flag.objects.create(
                account_id=post.account_id, flagger=flagger, reason=str(reason), **_target(post)
            )
    except IntegrityError:
        return False
    model = type(post)
    # Leaders' flags hide at once; others' count.
    weight = FLAGS_TO_HIDE if level >= levels.Level.LEADER else 1
    model.objects.filter(pk=post.pk).update(flag_count=F("flag_count") + weight)
    hide = model.objects.filter(
        pk=post.pk, flag_count__gte=FLAGS_TO_HIDE, status=Status.PUBLISHED
    ).update(status=Status.HELD, hold_reasons=["flagged"])
    if hide and isinstance(post, Answer):
        Question.objects.filter(pk=post.question_id).update(answer_count=F("answer_count") - 1)
    return True
