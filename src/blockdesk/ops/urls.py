"""The probes also have routes, for a deployment that leaves OpsMiddleware out."""

from django.urls import path

from blockdesk.ops import health, metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
