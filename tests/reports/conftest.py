"""Console clients for the reports page tests."""

from tests.workspace.conftest import admin_client, agent_client, outsider_client

__all__ = ["admin_client", "agent_client", "outsider_client"]
