"""Prometheus metrics computed from the database (and Redis) at each scrape.

Every figure is read when Prometheus asks, so N gunicorn workers need no shared state and
every worker answers the same.
"""
from flask import current_app
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CollectorRegistry, GaugeMetricFamily
from redis.exceptions import RedisError

from engine.gauges import read_gauges
from tasks import defaults as task_defaults
from tasks.queue import connect, depth

from ..extensions import get_engine


def render_metrics():
    """(body, content type) of the Prometheus text exposition."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(get_engine(), current_app.config.get("REDIS_URL")))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Collector:
    def __init__(self, engine, redis_url):
        self.engine, self.redis_url = engine, redis_url

    def collect(self):
        g = read_gauges(self.engine)
        yield _by_labels("parkops_open_tasks", "Open tasks offered to a role, not claimed",
                         ("tenant", "role"), g.open_by_role)
        yield _by_labels("parkops_claimed_tasks", "Open tasks claimed by someone",
                         ("tenant",), {(k,): v for k, v in g.claimed.items()})
        yield _by_labels("parkops_overdue_tasks", "Open tasks past their due time",
                         ("tenant",), {(k,): v for k, v in g.overdue.items()})
        yield _by_labels("parkops_open_incidents", "Incidents waiting for a person",
                         ("tenant",), {(k,): v for k, v in g.incidents.items()})
        yield GaugeMetricFamily("parkops_due_timers", "Timers due and not fired yet",
                                value=g.due_timers)
        yield GaugeMetricFamily("parkops_timer_lag_seconds",
                                "How long the oldest due timer has waited to fire",
                                value=g.timer_lag_s)
        yield GaugeMetricFamily("parkops_due_jobs", "Outbox jobs due and not done",
                                value=g.due_jobs)
        queue = GaugeMetricFamily("parkops_queue_depth", "RQ jobs waiting in the queue",
                                  labels=("queue",))
        if self.redis_url:
            try:
                queue.add_metric((task_defaults.QUEUE,), depth(connect(self.redis_url)))
            except RedisError:
                pass    # /healthz reports Redis; the other figures are still worth having
        yield queue


def _by_labels(name, doc, labels, values):
    family = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric([str(k) for k in key], value)
    return family
