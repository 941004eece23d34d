"""An API process of a test module's own, on the session's stack (its Redis, PostgreSQL and worker) but with settings
of its own, such as tight abuse limits or a tiny quota; and clients that call it from a loopback address of their
own, for the limits counted per address."""

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx

from devstack.processes import Supervisor
from tests.conftest import Stack, start_test_api

# 127.0.0.1 is the address uvicorn trusts as a proxy by default (FORWARDED_ALLOW_IPS); these others are plain clients,
# every one a new address to the API, which sees the whole 127.0.0.0/8 as loopback. Shared by every module, so no two
# tests of a session ever count against the same address.
_ADDRESSES = (f"127.0.{high}.{low}" for high, low in itertools.product(range(10, 250), range(2, 250)))


def fresh_address() -> str:
    return next(_ADDRESSES)


@contextmanager
def own_api(stack: Stack, logs: Path, name: str, settings: dict[str, str]) -> Iterator[str]:
    """The URL of a new API process with ``settings`` over the stack's own; stopped when the block ends."""
    with Supervisor(logs) as supervisor:
        yield start_test_api(supervisor, name, {**stack.env, **settings})


def client_from(base_url: str, address: str, token: str | None = None) -> httpx.AsyncClient:
    """A client of ``base_url`` whose connections come from ``address``, signed in by Bearer ``token`` if given, and
    keeping no cookies (a sign-in's cookie on the next POST, without an Origin, would be refused as CSRF)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.AsyncHTTPTransport(local_address=address)
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(base_url=base_url, transport=transport, headers=headers, cookies=no_cookies, timeout=30)
