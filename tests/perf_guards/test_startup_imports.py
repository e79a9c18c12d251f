"""A web worker loads the URL routes and the ASGI app at start-up; the heavy libraries
(numpy, SciPy, scikit-learn, pandas, statsmodels, eth_account, icalendar) must wait until a
feature uses them, or every idle worker carries ~130 MB it may never need (issue: a web
worker idled at ~190 MB; docs/benchmarks.md, "Memory"). Run in a fresh interpreter: this
test process has long imported them all."""

from __future__ import annotations

from tests.support.fresh_python import python_env, run_json

HEAVY = (
    "numpy",
    "scipy",
    "sklearn",
    "pandas",
    "statsmodels",
    "eth_account",
    "icalendar",
    # issue 17, "Memory" (each on first use now): the Bot API behind the Telegram webhook,
    # eth_abi/eth_utils behind the chain code, redis-py without Redis configured, IMAP,
    # httpx's command-line extras, and the REST API's routers and pydantic schemas.
    "telegram",
    "eth_abi",
    "eth_utils",
    "redis",
    "imapclient",
    "rich",
    "pygments",
    "click",
    "blockdesk.api.api",
)

_PROBE = """
import json, sys
import django
django.setup()
import blockdesk.asgi
from django.urls import get_resolver, reverse
get_resolver().url_patterns
reverse("accounts:login")  # every page's {{% url %}} populates the URL tree
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _probe_env() -> dict[str, str]:
    env = python_env(DJANGO_SETTINGS_MODULE="blockdesk.settings")
    # The embedded mode (no Redis): redis-py has no business in that process.
    env.pop("REDIS_URL", None)
    return env


def test_serving_does_not_import_the_heavy_libraries_until_used() -> None:
    loaded = run_json(_PROBE.format(heavy=HEAVY), env=_probe_env())
    assert loaded == [], f"imported at start-up: {loaded}"


def test_the_lazy_names_still_resolve() -> None:
    """The lazy re-exports load what they promise when asked."""
    from blockdesk.assistant import nlu
    from blockdesk.common import eth

    assert nlu.IntentModel.__name__ == "IntentModel"
    assert callable(nlu.detect_language)
    assert eth.Account.__name__ == "Account"
    assert callable(eth.encode_defunct)


def test_the_rest_api_loads_on_first_use(client) -> None:
    """The `api/` resolver imports the API on the first request and answers in the API's
    own shape (its fault handlers are registered as it loads)."""
    from django.db import OperationalError
    from django.urls import reverse

    response = client.get("/api/v1/conversations")
    assert response.status_code == 401
    assert response.json()["error"]["code"]
    assert reverse("rest:openapi-json") == "/api/openapi.json"
    from blockdesk.api.api import api

    assert OperationalError in api._exception_handlers


def test_evm_constants_are_the_hashes() -> None:
    """chain.diagnosis.evm writes its keccak constants out (no eth_utils at import)."""
    from eth_utils import keccak

    from blockdesk.chain.diagnosis import evm

    def selector(signature: str) -> str:
        return str(keccak(text=signature)[:4].hex())

    assert "0x" + keccak(text="Transfer(address,address,uint256)").hex() == evm.TRANSFER_TOPIC
    assert selector("transfer(address,uint256)") == evm._TRANSFER_SELECTOR
    assert selector("transferFrom(address,address,uint256)") == evm._TRANSFER_FROM_SELECTOR
    assert "0x" + selector("symbol()") == evm._SYMBOL_CALL
    assert "0x" + selector("decimals()") == evm._DECIMALS_CALL
