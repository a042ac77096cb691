"""What an operator watches: Prometheus metrics, liveness and readiness.

Served on the webhook server's own port in webhook mode and on ``METRICS_PORT`` in polling
mode (:func:`bot.ops.http.ops_routes`). Nothing here carries an id, a text or a place: node
and language labels come from the content, error labels are exception types and Bot API
method names.
"""

from .health import Health
from .metrics import METRICS, Metrics

__all__ = ["METRICS", "Health", "Metrics"]
