"""Builds the official OpenAI client from Settings: a real endpoint with a key, else the simulator.

Retries are the SDK's own: 408, 409, 429, 5xx, timeouts and refused connections, with exponential
backoff that honours Retry-After. For a stream they cover only the request that opens it, that is,
everything before the first token. The read timeout is what detects a stream that went silent.
"""

import sys

import httpx2
from openai import AsyncOpenAI, DefaultAioHttpClient
from openai._models import FinalRequestOptions

from app.core.config import Settings
from app.llm.faults import count_failure, error_fault, status_fault

# The simulator ignores the key, but the SDK insists on one.
SIMULATOR_API_KEY = "simulator"
_WRITE_SECONDS = 30.0
# A worker process runs a thousand generations at once or more; the worker's concurrency is the real bound.
# The SDK's defaults would queue the excess (aiohttp's default is 100 connections when none is given) and
# close most connections after each answer, paying a new TCP (and, with a real endpoint, TLS) handshake
# per answer.
CONNECTION_LIMITS = httpx2.Limits(max_connections=100_000, max_keepalive_connections=1024)


class _CountingOpenAI(AsyncOpenAI):
    """The SDK's client, counting each retry it makes itself (app/llm/faults.py).

    The SDK retries inside one call and says so only in a log line, so its one step per retry, the backoff sleep, is
    where they are counted: it is given the failed response, or runs inside the handler of the exception that made
    the request fail without one.
    """

    async def _sleep_for_retry(
        self, *, retries_taken: int, max_retries: int, options: FinalRequestOptions, response: httpx2.Response | None
    ) -> None:
        fault = status_fault(response.status_code) if response is not None else error_fault(sys.exception())
        count_failure(fault, retried=True)
        await super()._sleep_for_retry(
            retries_taken=retries_taken, max_retries=max_retries, options=options, response=response
        )


def create_client(settings: Settings) -> AsyncOpenAI:
    timeout = httpx2.Timeout(
        connect=settings.upstream_connect_seconds,
        read=settings.upstream_stall_seconds,
        write=_WRITE_SECONDS,
        pool=settings.upstream_connect_seconds,
    )
    base_url: str | None
    if settings.openai_api_key is None:
        api_key, base_url = SIMULATOR_API_KEY, str(settings.simulator_url)
    else:
        api_key = settings.openai_api_key.get_secret_value()
        base_url = str(settings.openai_base_url) if settings.openai_base_url else None
    return _CountingOpenAI(
        api_key=api_key,
        base_url=base_url,
        max_retries=settings.openai_max_retries,
        timeout=timeout,
        # The SDK's aiohttp transport: reading a stream through aiohttp's C parser instead of httpx2's
        # pure-Python stack costs 19 µs of CPU per token against 52 (make bench-model-read).
        http_client=DefaultAioHttpClient(limits=CONNECTION_LIMITS, timeout=timeout),
    )
