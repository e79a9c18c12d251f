"""The REST API's routes, imported by the `api/` resolver in urls.py on first use (the first
/api/ request, or a reverse in the `rest:` namespace), so that an idle web worker does
not carry django-ninja, pydantic and every schema (docs/benchmarks.md, "Memory")."""

from blockdesk.api.api import api
from blockdesk.ops.faults import register_api_handlers

# The REST API catches every exception itself (api/api.py answers 500 JSON): a database
# outage must answer 503 there too, so it gets its own handler, before any request.
register_api_handlers()

patterns, app_name, namespace = api.urls
# urls.py names both without importing this module; they must agree.
assert (app_name, namespace) == ("ninja", "rest"), (app_name, namespace)
urlpatterns = patterns
