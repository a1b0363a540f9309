"""The Prometheus metrics object (devussy_git.metrics)."""

from __future__ import annotations

from devussy_git.metrics import Metrics


def test_each_metric_is_rendered_with_its_labels() -> None:
    metrics = Metrics()
    metrics.observe_request("/runs/{run_id}", "get", 404, 0.02)
    metrics.observe_request("/runs/{run_id}", "GET", 404, 0.03)
    metrics.count_clone("shop-api")
    metrics.count_run("completed")
    metrics.count_llm_tokens("gpt-4o-mini", 120, 30)
    body, content_type = metrics.render()
    text = body.decode()
    assert content_type.startswith("text/plain; version=")
    assert 'devussy_http_requests_total{method="GET",route="/runs/{run_id}",status="404"} 2.0' in text
    assert 'devussy_http_request_duration_seconds_count{route="/runs/{run_id}"} 2.0' in text
    assert 'devussy_git_clones_total{project="shop-api"} 1.0' in text
    assert 'devussy_runs_total{state="completed"} 1.0' in text
    assert 'devussy_llm_tokens_total{direction="in",model="gpt-4o-mini"} 120.0' in text
    assert 'devussy_llm_tokens_total{direction="out",model="gpt-4o-mini"} 30.0' in text


def test_instances_do_not_share_state_and_zero_tokens_add_no_series() -> None:
    first, second = Metrics(), Metrics()
    first.count_clone("a")
    first.count_llm_tokens("m", 0, 0)
    assert second.registry.get_sample_value("devussy_git_clones_total", {"project": "a"}) is None
    assert "devussy_llm_tokens_total{" not in first.render()[0].decode()
    assert "process_cpu" not in first.render()[0].decode()
