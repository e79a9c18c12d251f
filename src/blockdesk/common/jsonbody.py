"""The one way JSON from the network is parsed: bounded in size and nesting depth.

`json.loads` recurses once per nesting level (in C), so a small body of a few hundred
kilobytes of `[[[[…` can exhaust the stack. The depth is therefore measured first, over the
text, without recursion, and only a body within both bounds reaches `json.loads`. Failures
are BlockdeskErrors in the one error shape: 400 for text that is not JSON or is nested too
deeply, 413 for too many bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from blockdesk.common.errors import BlockdeskError, PayloadTooLarge, ValidationFailed

# Nothing Blockdesk accepts nests deeper than a handful of levels; 32 leaves room for
# API clients' envelopes and is far below anything that strains the stack.
DEFAULT_MAX_DEPTH = 32

# Escapes only occur inside strings; dropped first, every remaining quote is a real one,
# so strings pair up left to right (one linear pass, no backtracking over escapes).
_ESCAPE = re.compile(r"\\.", re.DOTALL)
# A JSON string once escapes are gone: its brackets are text, not structure.
_STRING = re.compile(r'"[^"]*"')
# Everything that is not a bracket, once strings are gone.
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# Depth is all that is measured, so `{}` count as `[]` (json.loads rejects mismatches).
_ONE_KIND = str.maketrans("{}", "[]")


class InvalidJson(BlockdeskError):
    status = 400
    code = "invalid_json"
    default_message = _("The request body is not valid JSON.")


class JsonTooDeep(InvalidJson):
    code = "json_too_deep"
    default_message = _("The request body is nested too deeply.")


class BodyTooLarge(PayloadTooLarge):
    default_message = _("The request body is too large.")


def _nesting_problem(text: str, max_depth: int) -> str | None:
    """None when `text` nests at most `max_depth` deep; "deep" when deeper; "unbalanced"
    when its brackets do not pair up (json.loads would reject it too, possibly only after
    recursing as deep as it is unbalanced).

    Linear and recursion-free: escapes, then strings are cut out, then every innermost
    bracket pair is removed per round; a balanced text of depth d is empty after d rounds,
    so at most max_depth passes run, each in C."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text))).translate(_ONE_KIND)
    for _round in range(max_depth):
        if not brackets:
            return None
        # Removes every innermost pair; pairs this creates wait for the next round.
        peeled = brackets.replace("[]", "")
        if len(peeled) == len(brackets):
            return "unbalanced"
        brackets = peeled
    return "deep" if brackets else None


def exceeds_depth(text: str, max_depth: int) -> bool:
    """True when `text` nests deeper than `max_depth` or its brackets do not balance."""
    return _nesting_problem(text, max_depth) is not None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_bounded(
    raw: bytes | str,
    *,
    max_bytes: int | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """Parses JSON text of at most `max_bytes` (default DATA_UPLOAD_MAX_MEMORY_SIZE; for
    `str` input the bound counts characters) nested at most `max_depth` levels deep.
    Bytes must be UTF-8. NaN and Infinity are refused (not JSON)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if max_bytes is None else max_bytes
    if limit is not None and len(raw) > limit:
        raise BodyTooLarge()
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJson(_("The request body is not valid UTF-8.")) from exc
    else:
        text = raw
    problem = _nesting_problem(text, max_depth)
    if problem == "deep":
        raise JsonTooDeep()
    if problem is not None:
        raise InvalidJson()
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError as exc:  # belt and braces: the scan above should prevent it
        raise JsonTooDeep() from exc
    except ValueError as exc:  # JSONDecodeError, NaN, integers over the digit limit
        raise InvalidJson() from exc


def request_json(
    request: HttpRequest, *, max_depth: int = DEFAULT_MAX_DEPTH, empty: Any = None
) -> Any:
    """The request's JSON body, bounded; `empty` for an empty body."""
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise BodyTooLarge() from exc
    if not body:
        return empty
    return loads_bounded(body, max_depth=max_depth)


def request_json_object(
    request: HttpRequest, *, max_depth: int = DEFAULT_MAX_DEPTH
) -> dict[str, Any]:
    """The request's JSON body, which must be an object; {} for an empty body."""
    data = request_json(request, max_depth=max_depth, empty={})
    if not isinstance(data, dict):
        raise ValidationFailed(_("The request body must be a JSON object."))
    return data
