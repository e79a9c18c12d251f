"""`customer_required` and `CustomerRequiredMixin`: a page only a signed-in customer may
see; anyone else is sent to the sign-in page and back."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from blockdesk.customers.selectors import signed_in_customer

View = Callable[..., HttpResponse]


def sign_in_url(next_path: str) -> str:
    return reverse("customers:sign_in") + "?" + urlencode({"next": next_path})


def to_sign_in(back: str) -> HttpResponse:
    """An anonymous form post: off to sign in, then back to the page it came from."""
    return HttpResponseRedirect(sign_in_url(back))


def customer_required(view: View) -> View:
    """The view runs with `request.customer` set, or the browser goes to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = signed_in_customer(request)
        if customer is None:
            return HttpResponseRedirect(sign_in_url(request.get_full_path()))
        request.customer = customer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


class CustomerRequiredMixin:
    """For class-based views: the same as `customer_required`."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = signed_in_customer(request)
        if customer is None:
            return HttpResponseRedirect(sign_in_url(request.get_full_path()))
        request.customer = customer  # type: ignore[attr-defined]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
