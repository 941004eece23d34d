"""The FastAPI application: `uvicorn app.main:app`."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.api.body_limit import BodyLimitMiddleware
from app.api.errors import install_error_handlers
from app.api.origin_check import OriginCheckMiddleware
from app.api.rate_limits import RateLimits
from app.api.request_id import RequestIdMiddleware
from app.api.routes import auth, conversations, health, messages, metrics, models, stream, usage
from app.api.security_headers import SecurityHeadersMiddleware, install_api_docs
from app.api.state import ApiState
from app.auth.sessions import CallerCache
from app.core import redis_keys
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_session_factory
from app.core.gc_tuning import tune_for_serving
from app.core.logs import configure_from_settings
from app.core.redis_client import create_redis
from app.lease.store import LeaseStore
from app.llm.catalog import ModelCatalog
from app.llm.client import create_client
from app.streaming.hub import StreamHub
from app.streaming.relay import StreamRelay
from app.streaming.store import EventStore
from app.worker.celery_app import celery_app
from app.worker.dispatch import TaskQueue

# Live events a viewer may have queued before it is sent back to read from the store instead.
FEED_CAPACITY = 1024


async def _end_streams_on_shutdown(shutdown: anyio.Event, hub: StreamHub) -> None:
    # The server waits for open responses before it shuts the application down, so open streams are
    # ended here, as soon as the shutdown begins: each ends without a terminal event, and its client
    # resumes from its last id on another process.
    await shutdown.wait()
    hub.close_feeds()


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        redis = create_redis(settings, redis_keys.API_CONNECTION_NAME)
        broker = create_redis(settings, redis_keys.TASK_PUBLISHER_CONNECTION_NAME, settings.broker_url)
        # The hub's own connection must not reconnect silently behind its back: messages published
        # while it was away would be lost unnoticed. It reconnects itself and tells its viewers.
        hub_redis = Redis.from_url(
            settings.redis_url,
            retry=Retry(NoBackoff(), retries=0),
            socket_keepalive=True,
            client_name=redis_keys.API_HUB_CONNECTION_NAME,
        )
        callers = CallerCache(settings.caller_cache_seconds)
        hub = StreamHub(hub_redis, FEED_CAPACITY, on_session_ended=callers.forget)
        await hub.start()
        store = EventStore(redis, settings.stream_ttl_seconds)
        leases = LeaseStore(redis, settings.lease_seconds, settings.stream_ttl_seconds)
        rate_limits = RateLimits(settings)
        catalog = ModelCatalog(settings, create_client(settings))
        shutdown = anyio.Event()
        tasks = TaskQueue(broker, celery_app)
        ending_streams = asyncio.create_task(_end_streams_on_shutdown(shutdown, hub))
        app.state.api = ApiState(
            settings=settings,
            engine=engine,
            sessions=create_session_factory(engine),
            autocommit_sessions=create_session_factory(engine, autocommit=True),
            redis=redis,
            hub=hub,
            callers=callers,
            store=store,
            leases=leases,
            relay=StreamRelay(store, hub),
            enqueue=tasks.enqueue_generation,
            queue_length=tasks.length,
            catalog=catalog,
            rate_limits=rate_limits,
            shutdown=shutdown,
        )
        tune_for_serving()
        try:
            yield
        finally:
            ending_streams.cancel()
            await hub.stop()
            await store.close()
            await rate_limits.close()
            await catalog.close()
            await hub_redis.aclose()
            await redis.aclose()
            await broker.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Resilient streaming chat API",
        version="0.1.0",
        lifespan=lifespan,
        description="Messages are answered by a Celery worker; answers stream over SSE and resume by event id.",
        # API_DOCS=false serves none of them; app.openapi() still builds the document (405 answers list the
        # path's methods from it, and the web app's types are generated from it).
        openapi_url="/openapi.json" if settings.api_docs else None,
        # FastAPI's own docs pages are replaced by ones that send a CSP they work under (app/api/security_headers.py).
        docs_url=None,
        redoc_url=None,
    )
    if settings.api_docs:
        install_api_docs(app)
    # Added last, so outermost: refused requests still carry CORS headers for the web app to read.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(
        OriginCheckMiddleware,
        allowed_origins=settings.cors_origins,
        session_cookie_name=settings.session_cookie_name,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        # The session cookie goes with the web app's requests (fetch's credentials: "include").
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Last-Event-ID", "X-Request-ID"],
        # A 429's wait, for the web app to count down; the request id, for a bug report to quote.
        expose_headers=["Retry-After", "X-Request-ID"],
    )
    # CORS preflights and the refusals above carry the security headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    # Outermost of all: every response carries its request id, and every line logged about it.
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)
    routers = (auth.router, usage.router, conversations.router, messages.router, stream.router, models.router)
    for router in (*routers, health.router, metrics.router):
        app.include_router(router)
    return app


configure_from_settings()
app = create_app(get_settings())
