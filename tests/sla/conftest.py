"""Console clients for the SLA page tests."""

from tests.workspace.conftest import admin_client, agent_client

__all__ = ["admin_client", "agent_client"]
