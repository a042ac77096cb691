"""Prometheus metrics (prometheus_client), in one registry per process.

Counters carry no time label: Prometheus keeps the history (the day-by-day CSV for the
administration stays in ``python -m bot stats``). Labels have bounded values: a node key or
language from the content, an event kind, a Bot API method name, an exception type name.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.node_views = Counter("fwb_node_views", "Screens shown, by node and language",
                                  ["node", "lang"], registry=r)
        self.updates = Counter("fwb_updates", "Updates handled, by kind and outcome",
                               ["kind", "outcome"], registry=r)
        self.latency = Histogram(
            "fwb_update_seconds", "Time to handle one update (state, step, replies)", ["kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=r)
        self.telegram_errors = Counter("fwb_telegram_errors",
                                       "Bot API calls that failed, by method and kind",
                                       ["method", "kind"], registry=r)
        self.store_errors = Counter("fwb_store_errors",
                                    "State store operations that failed, by operation",
                                    ["operation"], registry=r)
        self.crisis = Counter("fwb_crisis_replies", "Crisis answers, by category and language",
                              ["category", "lang"], registry=r)
        self.language_switches = Counter("fwb_language_switches",
                                         "Language changes, by new language", ["lang"],
                                         registry=r)
        self.ready = Gauge("fwb_ready", "1 when /readyz answers 200 (set at each scrape and "
                           "probe)", registry=r)
        self.content_version = Gauge("fwb_content_info", "Loaded content version (always 1)",
                                     ["version"], registry=r)
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def child(self, metric: Counter | Histogram, *labels: str) -> Any:
        """``metric.labels(*labels)``, looked up once per label set (prometheus_client checks
        and locks on every ``labels()`` call; the hot path counts a few per update). Label
        values are bounded (module docstring), and so is this table."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found

    def exposition(self) -> tuple[bytes, str]:
        """The text format and its content type (with the exposition-format version)."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


#: The process's metrics (tests make their own ``Metrics()``).
METRICS = Metrics()
