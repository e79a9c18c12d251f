"""Fuzz every operation of /api/openapi.json: no 5xx, and every answer (status, content
type, body) is one the OpenAPI documents. Deterministic: derandomized Hypothesis, no
example database. BLOCKDESK_FUZZ_EXAMPLES sets the examples per operation (25) and
BLOCKDESK_FUZZ_SECONDS the whole stage's time budget (120)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import Seeded, examples_per_operation, load_schema

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Loaded at collection (no database needed); one test per operation.
schema = load_schema()

CHECKS = [
    not_a_server_error,
    negative_data_rejection,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@schema.given(
    # Mostly with the token: without it every case stops at the same 401.
    authenticated=st.sampled_from([True, True, True, False]),
    real_ids=st.booleans(),
    # Generated text rarely holds what databases refuse (PostgreSQL: NUL; any encoder: a
    # lone surrogate), so some cases get it appended to one of the strings they send (one:
    # another field's own check would otherwise answer first).
    poison=st.sampled_from(["", "", "\x00", "\ud800"]),
    poison_at=st.integers(min_value=0, max_value=15),
)
@settings(
    max_examples=examples_per_operation(),
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi(
    case: schemathesis.Case,
    authenticated: bool,
    real_ids: bool,
    poison: str,
    poison_at: int,
    seeded: Seeded,
) -> None:
    if seeded.budget.spent():
        seeded.budget.cut_short += 1
        return
    if real_ids:
        # Ids that name rows of the token's account, so lookups go past the 404.
        for params in (case.path_parameters, case.query, case.body):
            if isinstance(params, dict):
                for name in params.keys() & seeded.ids.keys():
                    params[name] = seeded.ids[name]
    if poison:
        # A surrogate cannot travel in a URL: only NUL goes into the query.
        targets = [case.body, case.query] if poison == "\x00" else [case.body]
        _poison(targets, poison, poison_at)
    headers = dict(case.headers or {})
    headers.pop("Authorization", None)
    if authenticated:
        headers["Authorization"] = f"Bearer {seeded.token}"
    case.headers = headers
    case.call_and_validate(checks=CHECKS)


def _poison(targets: list[object], text: str, at: int) -> None:
    strings = [
        (params, name)
        for params in targets
        if isinstance(params, dict)
        for name, value in params.items()
        if isinstance(value, str)
    ]
    if strings:
        params, name = strings[at % len(strings)]
        params[name] += text
