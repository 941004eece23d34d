"""Each worker process's own Prometheus endpoint, on WORKER_METRICS_PORT: a small WSGI server in a daemon thread.

One endpoint per process, not one per host, because each process counts for itself (app/core/metrics.py); the
Celery pool is threads, so the tasks run in this very process. prometheus_client's own start_http_server cannot ask
for a token, hence this wrapper around its WSGI app.
"""

import json
import logging
import threading
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import make_wsgi_app

from app.core import metrics
from app.core.bearer import bearer_matches
from app.core.config import Settings

logger = logging.getLogger(__name__)

# The same answer as the API's /metrics gives without the token.
UNAUTHORIZED_BODY = json.dumps({"detail": metrics.UNAUTHORIZED_DETAIL}).encode()


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    # A slow scrape must not hold up the next one, nor the process's exit.
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No line per scrape in the worker's log."""


def guarded(app: WSGIApplication, settings: Settings) -> WSGIApplication:
    """``app`` behind METRICS_TOKEN, when one is set: 401 JSON without it."""
    token = settings.metrics_token
    if token is None:
        return app

    def check(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if bearer_matches(environ.get("HTTP_AUTHORIZATION"), token):
            return app(environ, start_response)
        start_response(
            "401 Unauthorized",
            [("Content-Type", "application/json"), ("WWW-Authenticate", "Bearer"), ("Cache-Control", "no-store")],
        )
        return [UNAUTHORIZED_BODY]

    return check


class MetricsServer:
    """Serves the process's metrics until ``stop``, if WORKER_METRICS_PORT is set."""

    def __init__(self, settings: Settings) -> None:
        self._server: WSGIServer | None = None
        if not settings.worker_metrics_port:
            return
        try:
            self._server = make_server(
                settings.worker_metrics_host,
                settings.worker_metrics_port,
                guarded(make_wsgi_app(), settings),
                _ThreadingServer,
                _QuietHandler,
            )
        except OSError as error:
            # Answers matter more than their metrics: generate anyway, and say loudly why there are none.
            logger.error("metrics not served: port %d unavailable (%s)", settings.worker_metrics_port, error)
            return
        threading.Thread(target=self._server.serve_forever, name="worker-metrics", daemon=True).start()
        logger.info(
            "metrics served on http://%s:%d/metrics", settings.worker_metrics_host, settings.worker_metrics_port
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
