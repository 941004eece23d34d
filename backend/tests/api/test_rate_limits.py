"""The abuse limits (app/api/rate_limits.py) on an API process of this module's own, with tight limits, against the
stack's real Redis: each answers 429 with Retry-After and a sentence saying which limit and when; each counts whom it
says (a user, an email, an address); each lets requests through again once its window has passed; and with Redis down
they let everything through rather than fail requests.

Every test counts against addresses, users and emails of its own, since the counts outlive the tests in Redis."""

import asyncio
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from starlette.requests import Request

from app.api.rate_limits import RateLimits, client_address
from app.core.config import Settings
from app.services.usage import wait_text
from devstack.ports import free_port
from devstack.redis_server import PrivateRedis
from tests.api.own_api import client_from, fresh_address, own_api
from tests.api_client import create_conversation, start_guest
from tests.conftest import Stack

LIMITS = {
    "RATE_LIMIT_SENDS_PER_GUEST": "2/minute",
    "RATE_LIMIT_SENDS_PER_USER": "4/minute",
    "RATE_LIMIT_SENDS_PER_IP": "6/minute",
    "RATE_LIMIT_LOGINS_PER_ACCOUNT": "3/minute",
    "RATE_LIMIT_LOGINS_PER_IP": "5/minute",
    "RATE_LIMIT_REGISTRATIONS_PER_IP": "2/minute",
    # Short, so that a test can wait for the window to pass.
    "RATE_LIMIT_GUESTS_PER_IP": "2 per 3 seconds",
}
PASSWORD = "correct horse battery"
QUICK = "[sim tokens=1] hello"


@pytest.fixture(scope="module")
def limited_api(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_api(stack, tmp_path_factory.mktemp("limits-logs"), "api-limited", LIMITS) as url:
        yield url


def _email() -> str:
    return f"limits-{uuid.uuid4().hex}@example.com"


def _refusal(response: httpx.Response, window_seconds: int) -> str:
    """The 429's sentence, after checking its shape: JSON, and a Retry-After of whole seconds within the window."""
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/json"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= window_seconds
    detail: str = response.json()["detail"]
    assert detail.endswith(f"try again in {wait_text(retry_after)}"), detail
    return detail


async def _register(stack: Stack, email: str) -> str:
    """An account made on the stack's own API (relaxed limits), and its session token."""
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        response = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


async def _guest_token(stack: Stack) -> str:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        return await start_guest(client)


async def _send(client: httpx.AsyncClient) -> httpx.Response:
    """A message in a conversation of its own (one answer at a time per conversation is another rule)."""
    conversation_id = await create_conversation(client)
    return await client.post(f"/conversations/{conversation_id}/messages", json={"content": QUICK})


async def test_guest_sessions_per_address_are_limited_and_allowed_again_after_the_window(limited_api: str) -> None:
    async with client_from(limited_api, fresh_address()) as client, client_from(limited_api, fresh_address()) as other:
        assert [(await client.post("/auth/guest")).status_code for _ in range(2)] == [201, 201]
        refused = await client.post("/auth/guest")
        detail = _refusal(refused, window_seconds=3)
        assert detail.startswith("too many guest sessions started from your network address: at most 2 per 3 seconds")
        # Another address has a count of its own.
        assert (await other.post("/auth/guest")).status_code == 201
        # Refused attempts are not counted: once the oldest counted one is out of the window, one more is allowed.
        await asyncio.sleep(int(refused.headers["retry-after"]) + 0.2)
        assert (await client.post("/auth/guest")).status_code == 201


async def test_a_forwarded_for_header_from_an_untrusted_client_changes_nothing(limited_api: str) -> None:
    async with client_from(limited_api, fresh_address()) as client:
        for n in range(2):
            response = await client.post("/auth/guest", headers={"X-Forwarded-For": f"198.51.100.{n}"})
            assert response.status_code == 201
        refused = await client.post("/auth/guest", headers={"X-Forwarded-For": "198.51.100.99"})
        _refusal(refused, window_seconds=3)


async def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(limited_api: str) -> None:
    # 127.0.0.1 is uvicorn's default trusted proxy (FORWARDED_ALLOW_IPS): X-Forwarded-For names the client.
    forwarded = f"203.0.113.{int(fresh_address().rsplit('.', 1)[1])}"
    async with client_from(limited_api, "127.0.0.1") as proxy:
        for _ in range(2):
            assert (await proxy.post("/auth/guest", headers={"X-Forwarded-For": forwarded})).status_code == 201
        _refusal(await proxy.post("/auth/guest", headers={"X-Forwarded-For": forwarded}), window_seconds=3)
        assert (await proxy.post("/auth/guest", headers={"X-Forwarded-For": "192.0.2.77"})).status_code == 201


async def test_a_guest_reaches_its_send_limit_before_a_registered_user_would(stack: Stack, limited_api: str) -> None:
    guest_token, user_token = await _guest_token(stack), await _register(stack, _email())
    async with (
        client_from(limited_api, fresh_address(), guest_token) as guest,
        client_from(limited_api, fresh_address(), user_token) as user,
    ):
        assert [(await _send(guest)).status_code for _ in range(2)] == [202, 202]
        detail = _refusal(await _send(guest), window_seconds=60)
        assert detail.startswith("too many messages for a guest (an account may send more): at most 2 per minute")

        assert [(await _send(user)).status_code for _ in range(4)] == [202] * 4
        detail = _refusal(await _send(user), window_seconds=60)
        assert detail.startswith("too many messages: at most 4 per minute")


async def test_sends_from_one_address_are_limited_whoever_sends_them(stack: Stack, limited_api: str) -> None:
    address = fresh_address()
    tokens = [await _guest_token(stack) for _ in range(4)]
    for token in tokens[:3]:
        async with client_from(limited_api, address, token) as client:
            assert [(await _send(client)).status_code for _ in range(2)] == [202, 202]
    # A guest that has sent nothing yet, from the same address: the address has sent 6.
    async with client_from(limited_api, address, tokens[3]) as fourth:
        detail = _refusal(await _send(fourth), window_seconds=60)
        assert detail.startswith("too many messages from your network address: at most 6 per minute")
    async with client_from(limited_api, fresh_address(), tokens[3]) as elsewhere:
        assert (await _send(elsewhere)).status_code == 202


def _without_seconds(detail: str) -> str:
    return re.sub(r"try again in \d+ s$", "try again in N s", detail)


async def test_sign_in_attempts_per_account_count_unknown_emails_the_same(stack: Stack, limited_api: str) -> None:
    known, unknown = _email(), _email()
    await _register(stack, known)
    details = []
    for email in (known, unknown):
        # Each attempt from another address: the count is the email's.
        for _ in range(3):
            async with client_from(limited_api, fresh_address()) as client:
                wrong = await client.post("/auth/login", json={"email": email, "password": "not the password"})
                assert wrong.status_code == 401
        async with client_from(limited_api, fresh_address()) as client:
            # Even the right password, once the limit is spent: guessing cannot go on.
            refused = await client.post("/auth/login", json={"email": email.upper(), "password": PASSWORD})
            details.append(_without_seconds(_refusal(refused, window_seconds=60)))
    # The same answer for an account that exists and one that does not.
    assert details[0] == details[1]
    assert details[0] == "too many sign-in attempts for this email: at most 3 per minute; try again in N s"
    async with client_from(limited_api, fresh_address()) as client:
        other = await client.post("/auth/login", json={"email": _email(), "password": PASSWORD})
        assert other.status_code == 401


async def test_sign_in_attempts_per_address(limited_api: str) -> None:
    async with client_from(limited_api, fresh_address()) as client:
        for _ in range(5):
            response = await client.post("/auth/login", json={"email": _email(), "password": PASSWORD})
            assert response.status_code == 401
        refused = await client.post("/auth/login", json={"email": _email(), "password": PASSWORD})
        detail = _refusal(refused, window_seconds=60)
        assert detail.startswith("too many sign-in attempts from your network address: at most 5 per minute")


async def test_registrations_per_address_and_an_invalid_one_counts_for_nothing(limited_api: str) -> None:
    async with client_from(limited_api, fresh_address()) as client, client_from(limited_api, fresh_address()) as other:
        invalid = await client.post("/auth/register", json={"email": _email(), "password": "short"})
        assert invalid.status_code == 422
        for _ in range(2):
            registered = await client.post("/auth/register", json={"email": _email(), "password": PASSWORD})
            assert registered.status_code == 201, registered.text
        refused = await client.post("/auth/register", json={"email": _email(), "password": PASSWORD})
        detail = _refusal(refused, window_seconds=60)
        assert detail.startswith("too many accounts registered from your network address: at most 2 per minute")
        assert (await other.post("/auth/register", json={"email": _email(), "password": PASSWORD})).status_code == 201


async def test_with_redis_down_the_limits_let_requests_through(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An API whose Redis (for limits, streams and the hub) is private to this test, so it can be stopped."""
    redis = PrivateRedis(tmp_path_factory.mktemp("limits-redis"), free_port())
    redis.start()
    try:
        settings = {"REDIS_URL": redis.url, "CELERY_BROKER_URL": stack.redis_url, "RATE_LIMIT_GUESTS_PER_IP": "1/hour"}
        with own_api(stack, tmp_path_factory.mktemp("limits-down-logs"), "api-redis-down", settings) as url:
            async with client_from(url, fresh_address()) as client:
                assert (await client.post("/auth/guest")).status_code == 201
                _refusal(await client.post("/auth/guest"), window_seconds=3600)
                redis.stop()
                assert [(await client.post("/auth/guest")).status_code for _ in range(3)] == [201] * 3
                # Back (empty): the limits count again, once the pause after a failure is over.
                redis.start()
                statuses = []
                while 429 not in statuses:
                    statuses.append((await client.post("/auth/guest")).status_code)
                    await asyncio.sleep(0.5)
                assert set(statuses) == {201, 429}
    finally:
        redis.stop()


@pytest.mark.parametrize(
    ("client", "counted_as"),
    [
        (("192.0.2.7", 5000), "192.0.2.7"),
        # An IPv6 subscriber usually has a /64 to itself: every address in it counts as one.
        (("2001:db8:1:2:3:4:5:6", 5000), "2001:db8:1:2::/64"),
        (("::ffff:192.0.2.7", 5000), "192.0.2.7"),
        (None, "unknown"),
    ],
)
def test_whom_a_per_address_limit_counts(client: tuple[str, int] | None, counted_as: str) -> None:
    assert client_address(Request({"type": "http", "client": client, "headers": []})) == counted_as


async def test_refusals_name_the_limit_and_the_wait_as_people_say_them() -> None:
    limits = RateLimits(Settings())
    try:
        assert limits.logins_per_account.refusal(125) == (
            "too many sign-in attempts for this email: at most 7 per 5 minutes; try again in 3 min"
        )
        assert limits.sends_per_user.refusal(12) == "too many messages: at most 40 per minute; try again in 12 s"
        assert limits.registrations_per_ip.window == "hour"
    finally:
        await limits.close()
