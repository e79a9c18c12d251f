from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.accounts import services
from blockdesk.accounts.forms import LoginForm, TotpForm
from blockdesk.accounts.middleware import SESSION_KEY
from blockdesk.accounts.models import User
from blockdesk.accounts.selectors import has_two_factor
from blockdesk.common.errors import RateLimited
from blockdesk.common.ratelimit import check_rate_limit, client_ip


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/app/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            check_rate_limit(
                scope="login",
                key=client_ip(request.META),
                limit=settings.LOGIN_RATE_LIMIT,
                window=60,
            )
        except RateLimited as exc:
            form.add_error(None, str(exc.message))
            response = render(request, "accounts/login.html", {"form": form}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        username = form.cleaned_data["username"]
        if "@" in username:
            match = User.objects.filter(email__iexact=username).first()
            username = match.username if match else username
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            form.add_error(None, _("Wrong username or password."))
            status = 400
        else:
            login(request, user)
            request.session[SESSION_KEY] = False
            if has_two_factor(user=user):
                return redirect(f"/accounts/two-factor/?next={_next_url(request)}")
            return redirect(_next_url(request))
    return render(request, "accounts/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        assert isinstance(user, User)
        if services.verify_totp(user=user, code=form.cleaned_data["code"]):
            request.session[SESSION_KEY] = True
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not valid. Try the newest one."))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


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
    if request.method == "POST" and form.is_valid():
        if services.verify_totp(user=user, code=form.cleaned_data["code"], confirm=True):
            request.session[SESSION_KEY] = True
            return redirect("workspace:inbox")
        form.add_error("code", _("That code is not valid. Check the time on your phone."))
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
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "uri": uri, "secret": secret, "enabled": bool(device and device.confirmed)},
    )
