"""GET /metrics: this API process's Prometheus metrics (app/core/metrics.py), behind METRICS_TOKEN when it is set."""

import logging

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from app.api.deps import StateDep
from app.core import metrics
from app.core.bearer import bearer_matches

logger = logging.getLogger(__name__)

router = APIRouter()


# Not in the OpenAPI document: it is for Prometheus, not for the API's clients.
@router.get("/metrics", include_in_schema=False)
async def serve_metrics(request: Request, state: StateDep) -> Response:
    token = state.settings.metrics_token
    if token is not None and not bearer_matches(request.headers.get("authorization"), token):
        return JSONResponse(
            {"detail": metrics.UNAUTHORIZED_DETAIL},
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Read here rather than by a collector: collectors run synchronously, and the broker is read asynchronously.
    try:
        metrics.CELERY_QUEUE_LENGTH.set(await state.queue_length())
    except (RedisError, OSError) as error:
        # The rest is still worth serving; the queue length stays at its last reading.
        logger.warning("metrics: could not read the task queue's length (%r)", error)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
