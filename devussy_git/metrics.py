"""Prometheus metrics of the service, on a registry of their own.

One :class:`Metrics` object is built by the composition root and handed to
whatever records figures (the git router, the runner, the LLM adapter); the
app serves :meth:`Metrics.render` at ``GET /metrics``. Labels are bounded
sets (route templates, project ids, run states, model names): this module must
never be given raw URL paths, user text or secrets as label values.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

__all__ = ["LATENCY_BUCKETS", "Metrics"]

#: Histogram buckets in seconds: API calls are fast, clones and runs are not.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
)


class Metrics:
    """The service's counters and histograms.

    Attributes are the prometheus-client objects, for callers that need more
    than the helper methods.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        #: Registry holding only these metrics (no process/platform collectors).
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "devussy_http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "devussy_http_request_duration_seconds",
            "Time from request to the last byte of the response, by route template.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.clones = Counter(
            "devussy_git_clones",
            "Clone and fetch sessions served (ref advertisements), by project.",
            ("project",),
            registry=self.registry,
        )
        self.runs = Counter(
            "devussy_runs",
            "Pipeline runs that reached a state (queued, running, completed, failed).",
            ("state",),
            registry=self.registry,
        )
        self.llm_tokens = Counter(
            "devussy_llm_tokens",
            "LLM tokens used, by direction (in = prompt, out = completion) and model.",
            ("direction", "model"),
            registry=self.registry,
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        self.http_requests.labels(route=route, method=method.upper(), status=str(status)).inc()
        self.http_latency.labels(route=route).observe(max(seconds, 0.0))

    def count_clone(self, project_id: str) -> None:
        """Count one clone or fetch session of ``project_id``."""
        self.clones.labels(project=project_id).inc()

    def count_run(self, state: str) -> None:
        """Count one run reaching ``state``."""
        self.runs.labels(state=state).inc()

    def count_llm_tokens(self, model: str, tokens_in: int, tokens_out: int) -> None:
        """Add one LLM call's prompt and completion tokens."""
        if tokens_in > 0:
            self.llm_tokens.labels(direction="in", model=model).inc(tokens_in)
        if tokens_out > 0:
            self.llm_tokens.labels(direction="out", model=model).inc(tokens_out)

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text exposition of every metric, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
