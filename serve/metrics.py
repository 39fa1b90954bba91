"""Prometheus metrics of one app (its own registry, so several apps can live in one process).

Request counts and latencies per route template, plus the serving state read at scrape time:
the model being served, reload outcomes, the size of the mentor index and whether the history
features are being rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from recommender.service import RecommenderService

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _ServiceCollector(Collector):
    def __init__(self, service: Callable[[], RecommenderService | None]) -> None:
        self._service = service

    def collect(self) -> Iterator[Metric]:
        service = self._service()
        if service is None or not service.is_started:
            return
        snap = service.snapshot
        info = GaugeMetricFamily(
            "recommender_model_info",
            "The model being served (1); scorer is embedding+rules without a trained model.",
            labels=["scorer", "version", "source"],
        )
        info.add_metric([snap.model.scorer, str(snap.model.version), service.source], 1)
        yield info
        loaded = GaugeMetricFamily("recommender_model_loaded", "1 when a trained model serves.")
        loaded.add_metric([], 1 if snap.ranker is not None else 0)
        yield loaded
        reloads = CounterMetricFamily(
            "recommender_model_loads", "Model load attempts by outcome.", labels=["outcome"]
        )
        for outcome, count in service.reload_status.counts.items():
            reloads.add_metric([outcome], count)
        yield reloads
        people = GaugeMetricFamily(
            "recommender_people", "People in the serving index.", labels=["role"]
        )
        people.add_metric(["mentors"], len(snap.context.mentors))
        people.add_metric(["mentees"], len(snap.context.mentees))
        yield people
        stale = GaugeMetricFamily(
            "recommender_history_stale", "1 while the history features are being rebuilt."
        )
        stale.add_metric([], 1 if snap.history_stale else 0)
        yield stale


class Metrics:
    """The app's registry and request instruments."""

    def __init__(self, service: Callable[[], RecommenderService | None]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "recommender_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "recommender_http_request_duration_seconds",
            "HTTP request duration by method and route template.",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.registry.register(_ServiceCollector(service))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
