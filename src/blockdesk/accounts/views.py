from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.accounts import services
from blockdesk.accounts.forms import LoginForm, TotpForm
from blockdesk.accounts.middleware import SESSION_KEY
from blockdesk.accounts.models import User
from blockdesk.accounts.selectors import has_two_factor
from blockdesk.common.errors import RateLimited
from blockdesk.common.ratelimit import client_ip
from blockdesk.common.redirects import safe_next


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), "/app/")


def _wait_message(seconds: int) -> str:
    if seconds < 60:
        return ngettext(
            "Too many attempts. Try again in %(n)s second.",
            "Too many attempts. Try again in %(n)s seconds.",
            seconds,
        ) % {"n": seconds}
    minutes = (seconds + 59) // 60
    return ngettext(
        "Too many attempts. Try again in %(n)s minute.",
        "Too many attempts. Try again in %(n)s minutes.",
        minutes,
    ) % {"n": minutes}


def _too_many(
    request: HttpRequest, template: str, context: dict[str, object], exc: RateLimited
) -> HttpResponse:
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request.META)
        username = form.cleaned_data["username"]
        if "@" in username:
            match = User.objects.filter(email__iexact=username).first()
            username = match.username if match else username
        try:
            services.check_login_allowed(username=username, ip=ip)
        except RateLimited as exc:
            form.add_error(None, _wait_message(exc.retry_after))
            return _too_many(request, "accounts/login.html", {"form": form}, exc)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            services.do_record_login_failure(username=username, ip=ip)
            form.add_error(None, _("Wrong username or password."))
            status = 400
        else:
            login(request, user)
            request.session[SESSION_KEY] = False
            if has_two_factor(user=user):
                return redirect("/accounts/two-factor/?" + urlencode({"next": _next_url(request)}))
            return redirect(_next_url(request))
    return render(request, "accounts/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = TotpForm(request.POST or None)
    template = "accounts/two_factor_verify.html"
    try:
        if request.method == "POST" and form.is_valid():
            if services.do_verify_second_factor(
                user=user, code=form.cleaned_data["code"], ip=client_ip(request.META)
            ):
                request.session[SESSION_KEY] = True
                return redirect(_next_url(request))
            form.add_error("code", _("That code is not valid. Try the newest one."))
        # The wrong code that set a lock is told so at once, not on the next try.
        services.check_two_factor_unlocked(user=user)
    except RateLimited as exc:
        context = {"form": TotpForm(), "lock_message": _wait_message(exc.retry_after)}
        return _too_many(request, template, context, exc)
    return render(request, template, {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = TotpForm(request.POST or None)
    uri = None
    if request.method == "POST" and request.POST.get("action") == "disable":
        if request.session.get(SESSION_KEY) and not (
            user.account and user.account.require_two_factor
        ):
            services.do_disable_totp(user=user)
        return redirect("accounts:two_factor_setup")
    locked: RateLimited | None = None
    if request.method == "GET":
        try:
            services.check_two_factor_unlocked(user=user)
        except RateLimited as exc:
            locked = exc
    if request.method == "POST" and form.is_valid():
        try:
            if services.do_verify_second_factor(
                user=user,
                code=form.cleaned_data["code"],
                ip=client_ip(request.META),
                confirm=True,
            ):
                request.session[SESSION_KEY] = True
                return redirect("workspace:inbox")
            form.add_error("code", _("That code is not valid. Check the time on your phone."))
            services.check_two_factor_unlocked(user=user)
        except RateLimited as exc:
            locked = exc
            form = TotpForm()
    device = getattr(user, "totp", None)
    if device is None or not device.confirmed:
        if device is None or request.method == "GET":
            device, uri = services.do_start_totp_enrolment(user=user)
        else:
            import pyotp

            uri = pyotp.TOTP(device.secret).provisioning_uri(
                name=user.email or user.username, issuer_name="Blockdesk"
            )
    secret = device.secret if device and not device.confirmed else None
    context = {
        "form": form,
        "uri": uri,
        "secret": secret,
        "enabled": bool(device and device.confirmed),
        "lock_message": _wait_message(locked.retry_after) if locked else "",
    }
    if locked is not None:
        return _too_many(request, "accounts/two_factor_setup.html", context, locked)
    return render(request, "accounts/two_factor_setup.html", context)
