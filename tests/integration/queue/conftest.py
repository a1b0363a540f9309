"""The job queue's tests run on a throwaway PostgreSQL cluster (skipped without its binaries)."""

from __future__ import annotations

from tests.integration.db.conftest import pg_cluster  # noqa: F401 (the session's cluster)
from tests.support.llm_server import drain_litellm, llm_server  # noqa: F401 (fixtures)
