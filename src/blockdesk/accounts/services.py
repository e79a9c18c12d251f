"""Writes for accounts: agents, teams, two-factor devices and API tokens."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, ApiToken, Team, TotpDevice, User
from blockdesk.common.crypto import hash_token, new_token
from blockdesk.common.errors import Conflict, Forbidden, ValidationFailed
from blockdesk.common.ratelimit import (
    check_failure_limit,
    check_lock,
    check_rate_limit,
    clear_failures,
    lock_after_failure,
    record_failure,
    take_lockable_attempt,
)
from blockdesk.events.registry import Actor, Subject

logger = logging.getLogger(__name__)


def check_admin(*, actor: User) -> None:
    if not actor.is_authenticated or not actor.is_account_admin:
        raise Forbidden(_("Only administrators can do this."))


# --- agents and teams -------------------------------------------------------------


def do_create_agent(
    *,
    account: Account,
    username: str,
    email: str,
    password: str,
    role: str = User.Role.AGENT,
    display_name: str = "",
    actor: User | None = None,
) -> User:
    if actor is not None:
        check_admin(actor=actor)
    if role not in User.Role.values:
        raise ValidationFailed.field("role", _("Unknown role."))
    user = User(
        account=account, username=username, email=email, role=role, display_name=display_name
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("; ".join(exc.messages), fields={"password": exc.messages}) from exc
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    with transaction.atomic():
        user.save()
        _emit_agent("agent.added", user, actor=actor)
    return user


def do_update_agent(
    *, actor: User, agent: User, role: str, display_name: str, is_active: bool
) -> User:
    check_admin(actor=actor)
    if agent.account_id != actor.account_id:
        raise Forbidden()
    if agent.pk == actor.pk and (role != User.Role.ADMIN or not is_active):
        raise ValidationFailed.field("role", _("You cannot demote or deactivate yourself."))
    with transaction.atomic():
        before = User.objects.select_for_update().values("role", "is_active").get(pk=agent.pk)
        agent.role = role
        agent.display_name = display_name
        agent.is_active = is_active
        agent.full_clean()
        agent.save(update_fields=["role", "display_name", "is_active"])
        if before["role"] != role:
            _emit_agent("agent.role_changed", agent, actor=actor, old=before["role"], new=role)
        if before["is_active"] != is_active:
            _emit_agent(
                "agent.reactivated" if is_active else "agent.deactivated", agent, actor=actor
            )
    return agent


def do_create_team(*, actor: User, name: str, members: Sequence[User] = ()) -> Team:
    check_admin(actor=actor)
    assert actor.account is not None
    team = Team(account=actor.account, name=name.strip())
    try:
        team.full_clean()
        with transaction.atomic():
            team.save()
            team.members.set([m for m in members if m.account_id == actor.account_id])
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    except IntegrityError as exc:
        raise Conflict(_("A team with this name exists already.")) from exc
    return team


# --- two-factor (TOTP) ------------------------------------------------------------


def do_start_totp_enrolment(*, user: User) -> tuple[TotpDevice, str]:
    """Returns the device and its provisioning URI (for the QR code)."""
    secret = pyotp.random_base32()
    device, _created = TotpDevice.objects.update_or_create(
        user=user, defaults={"secret": secret, "confirmed": False, "last_used_step": 0}
    )
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=user.email or user.username, issuer_name="Blockdesk"
    )
    return device, uri


def verify_totp(*, user: User, code: str, confirm: bool = False) -> bool:
    """Checks a code (±1 step of drift) and refuses a code that was already used."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None or (not device.confirmed and not confirm):
        return False
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(device.secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if step <= device.last_used_step:
            continue
        if pyotp.utils.strings_equal(totp.at(step * totp.interval), code):
            # Conditional update: two concurrent logins cannot both spend one code.
            updated = TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
                last_used_step=step, confirmed=True
            )
            return updated == 1
    return False


def check_two_factor_unlocked(*, user: User) -> None:
    """Raises RateLimited (with the seconds left) while the agent's second step is locked."""
    check_lock(scope="2fa", key=str(user.pk))


def do_verify_second_factor(*, user: User, code: str, ip: str, confirm: bool = False) -> bool:
    """verify_totp behind a per-agent lock, whatever address the codes come from:
    TWO_FACTOR_FAILURE_LIMIT wrong codes lock the second step for a period that doubles
    with each lock in a day. Raises RateLimited while locked, and for guesses sent in
    parallel beyond the limit (each attempt is counted before its code is checked)."""
    key = str(user.pk)
    limit = settings.TWO_FACTOR_FAILURE_LIMIT
    check_lock(scope="2fa", key=key)
    attempt = take_lockable_attempt(
        scope="2fa", key=key, limit=limit, window=settings.TWO_FACTOR_LOCK_MAX_SECONDS
    )
    if verify_totp(user=user, code=code, confirm=confirm):
        clear_failures(scope="2fa", key=key)
        return True
    if attempt >= limit:
        seconds = lock_after_failure(
            scope="2fa",
            key=key,
            lock_seconds=settings.TWO_FACTOR_LOCK_SECONDS,
            max_lock_seconds=settings.TWO_FACTOR_LOCK_MAX_SECONDS,
        )
        # Never the code: only who, from where, and for how long.
        logger.warning(
            "two-factor locked for user %s (%s) for %s s after %s wrong codes; last from %s",
            user.pk,
            user.username,
            seconds,
            limit,
            ip,
        )
    return False


def _login_key(username: str) -> str:
    return username.strip().lower()[:150]


def check_login_allowed(*, username: str, ip: str) -> None:
    """Per address (LOGIN_RATE_LIMIT a minute, every attempt) and per username
    (LOGIN_USER_FAILURE_LIMIT wrong passwords a window, from any address)."""
    check_rate_limit(scope="login", key=ip, limit=settings.LOGIN_RATE_LIMIT, window=60)
    check_failure_limit(
        scope="login-user",
        key=_login_key(username),
        limit=settings.LOGIN_USER_FAILURE_LIMIT,
        window=settings.LOGIN_USER_FAILURE_WINDOW,
    )


def do_record_login_failure(*, username: str, ip: str) -> None:
    count = record_failure(
        scope="login-user", key=_login_key(username), window=settings.LOGIN_USER_FAILURE_WINDOW
    )
    if count == settings.LOGIN_USER_FAILURE_LIMIT:
        logger.warning(
            "login refused for username %r for the rest of the window after %s wrong "
            "passwords; last from %s",
            _login_key(username),
            count,
            ip,
        )


def do_disable_totp(*, user: User) -> None:
    TotpDevice.objects.filter(user=user).delete()


def do_set_require_two_factor(*, actor: User, required: bool) -> None:
    check_admin(actor=actor)
    with transaction.atomic():
        Account.objects.filter(pk=actor.account_pk).update(require_two_factor=required)
        _emit(
            account_id=actor.account_pk,
            name="account.two_factor_requirement_changed",
            payload={"required": required},
            actor=Actor.agent(actor.pk),
            subject=Subject("account", actor.account_pk),
        )


def _emit(**kwargs: Any) -> None:
    # Imported here: events.services imports this module (check_admin).
    from blockdesk.events.services import emit

    emit(**kwargs)


def _emit_agent(name: str, agent: User, *, actor: User | None, **data: Any) -> None:
    """Who the agent is and their role; never the password or the email address."""
    _emit(
        account_id=agent.account_pk,
        name=name,
        payload={
            "agent": {
                "id": agent.pk,
                "username": agent.username,
                "display_name": agent.display_name,
                "role": agent.role,
                "active": agent.is_active,
            },
            **data,
        },
        actor=Actor.agent(actor.pk) if actor is not None else Actor.system(),
        subject=Subject("agent", agent.pk),
    )


def _emit_token(name: str, token: ApiToken, *, actor: User) -> None:
    _emit(
        account_id=token.account_id,
        name=name,
        payload={
            "token_id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "scopes": list(token.scopes),
        },
        actor=Actor.agent(actor.pk),
        subject=Subject("api_token", token.pk),
    )


# --- API tokens -------------------------------------------------------------------


def do_create_api_token(*, actor: User, name: str, scopes: Sequence[str]) -> tuple[ApiToken, str]:
    """Returns the token row and the plain token, which is never stored or shown again."""
    check_admin(actor=actor)
    unknown = [s for s in scopes if s not in ApiToken.Scope.values]
    if unknown:
        raise ValidationFailed.field(
            "scopes", _("Unknown scopes: %(s)s") % {"s": ", ".join(unknown)}
        )
    if not scopes:
        raise ValidationFailed.field("scopes", _("Choose at least one scope."))
    if not name.strip():
        raise ValidationFailed.field("name", _("Give the token a name."))
    plain = new_token("bd")
    assert actor.account is not None
    with transaction.atomic():
        token = ApiToken.objects.create(
            account=actor.account,
            name=name.strip()[:80],
            prefix=plain[:10],
            token_hash=hash_token(plain),
            scopes=sorted(set(scopes)),
            created_by=actor,
        )
        _emit_token("api_token.created", token, actor=actor)
    return token, plain


def do_revoke_api_token(*, actor: User, token: ApiToken) -> None:
    check_admin(actor=actor)
    if token.account_id != actor.account_id:
        raise Forbidden()
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _emit_token("api_token.revoked", token, actor=actor)


# "Last used" is read in minutes; writing it on every call was one UPDATE per API request,
# reads included (issue 17: the REST API's cost per call). settings.API_TOKEN_TOUCH_SECONDS
# (BLOCKDESK_API_TOKEN_TOUCH_SECONDS, default 300) says how stale it may get.


def token_touch_interval() -> dt.timedelta:
    return dt.timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)


def do_record_token_use(*, token: ApiToken, now: dt.datetime | None = None) -> bool:
    """Stamp `last_used_at` when it is unset or older than the touch interval; True if
    it wrote. The value compared is the one the token was loaded with: no extra query,
    and at most one UPDATE per token per interval (per node, when two race)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < token_touch_interval():
        return False
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return True
