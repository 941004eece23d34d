"""Security headers on every kind of API response (app/api/security_headers.py), no server header, the docs pages'
own policies, API_DOCS=false, and /readyz: status only for anyone, detail for the operator."""

import base64
import hashlib
import re
from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest
from pydantic import SecretStr

from app.api.security_headers import API_CSP, HSTS
from app.core.config import Settings
from app.main import create_app
from devstack.processes import Supervisor
from tests.api_client import bearer, create_conversation, send_message
from tests.conftest import Stack, start_test_api
from tests.sse_client import iter_events

OPERATOR_TOKEN = "operator-token-for-the-tests-0123456789abcdef"
WEB_ORIGIN = "http://localhost:3000"
EXPECTED = {
    "content-security-policy": API_CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-site",
}


def assert_secured(response: httpx.Response, *, csp: str = API_CSP) -> None:
    headers = response.headers
    for name, value in {**EXPECTED, "content-security-policy": csp}.items():
        assert headers.get_list(name) == [value], f"{response.request.url} {response.status_code}: {name}"
    assert "server" not in headers
    # Plain HTTP: no HSTS, which a browser would ignore anyway.
    assert "strict-transport-security" not in headers


@pytest.fixture(scope="module")
def operator_api_url(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An API process of its own, with an operator token and the docs turned off."""
    env = {**stack.env, "OPERATOR_TOKEN": OPERATOR_TOKEN, "API_DOCS": "false"}
    with Supervisor(tmp_path_factory.mktemp("operator-api")) as supervisor:
        yield start_test_api(supervisor, "api-operator", env)


# --- Every kind of response -----------------------------------------------------------------------


async def test_normal_responses_carry_the_headers(api: httpx.AsyncClient) -> None:
    assert_secured(await api.get("/healthz"))
    conversation_id = await create_conversation(api)
    response = await api.get(f"/conversations/{conversation_id}")
    assert response.status_code == 200
    assert_secured(response)
    created = await api.post("/conversations", json={"title": "headers"})
    assert created.status_code == 201
    assert_secured(created)


async def test_error_responses_carry_the_headers(api: httpx.AsyncClient, api_url: str) -> None:
    not_found = await api.get("/conversations/00000000-0000-0000-0000-000000000000")
    no_route = await api.get("/no/such/path")
    invalid = await api.get("/conversations", params={"limit": 0})
    not_allowed = await api.put("/conversations")
    too_large = await api.post("/conversations", content=b"x" * (1024 * 1024), headers={"content-type": "text/plain"})
    async with httpx.AsyncClient(base_url=api_url) as anonymous:
        unauthenticated = await anonymous.get("/conversations")
        cross_site = await anonymous.post("/conversations", headers={"Origin": "https://evil.example"})
        preflight = await anonymous.options(
            "/conversations", headers={"Origin": WEB_ORIGIN, "Access-Control-Request-Method": "POST"}
        )
    statuses = [r.status_code for r in (not_found, no_route, invalid, not_allowed, too_large)]
    assert statuses == [404, 404, 422, 405, 413]
    assert [unauthenticated.status_code, cross_site.status_code, preflight.status_code] == [401, 403, 200]
    for response in (not_found, no_route, invalid, not_allowed, too_large, unauthenticated, cross_site, preflight):
        assert_secured(response)


async def test_the_web_app_still_gets_its_cors_headers(api: httpx.AsyncClient) -> None:
    response = await api.get("/conversations", headers={"Origin": WEB_ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == WEB_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert_secured(response)


async def test_a_stream_carries_the_headers_once_and_its_events_untouched(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=30 tps=0 reasoning_tokens=0]")
    async with api.stream("GET", f"/stream/{accepted['task_id']}", headers={"Origin": WEB_ORIGIN}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["access-control-allow-origin"] == WEB_ORIGIN
        assert_secured(response)
        events = [event async for event in iter_events(response)]
    assert [event.id for event in events] == list(range(1, len(events) + 1))
    assert events[-1].is_terminal


async def test_hsts_only_over_https(api: httpx.AsyncClient) -> None:
    # The test client is on the loopback, which uvicorn trusts for X-Forwarded-Proto by default
    # (FORWARDED_ALLOW_IPS): as a TLS-terminating proxy on the same host would say it.
    over_https = await api.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert over_https.headers["strict-transport-security"] == HSTS
    over_http = await api.get("/healthz")
    assert "strict-transport-security" not in over_http.headers


# --- Docs -----------------------------------------------------------------------------------------


def _inline_script_hashes(html: str) -> list[str]:
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
        for code in re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    ]


async def test_the_docs_pages_have_policies_they_work_under(api: httpx.AsyncClient) -> None:
    swagger = await api.get("/docs")
    assert swagger.status_code == 200
    csp = swagger.headers["content-security-policy"]
    assert_secured(swagger, csp=csp)
    hashes = _inline_script_hashes(swagger.text)
    assert len(hashes) == 1  # what starts Swagger UI
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src "))
    assert script_src.split()[1:] == ["https://cdn.jsdelivr.net", *hashes]
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp

    redoc = await api.get("/redoc")
    assert redoc.status_code == 200
    csp = redoc.headers["content-security-policy"]
    assert_secured(redoc, csp=csp)
    assert "script-src https://cdn.jsdelivr.net;" in csp
    assert "style-src https://fonts.googleapis.com 'unsafe-inline';" in csp
    assert "frame-ancestors 'none'" in csp

    document = await api.get("/openapi.json")
    assert document.status_code == 200
    assert "/models" in document.json()["paths"]
    assert_secured(document)


async def test_api_docs_false_serves_no_docs_and_405_still_lists_the_methods(operator_api_url: str) -> None:
    async with httpx.AsyncClient(base_url=operator_api_url) as client:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert_secured(response)
        # The 405 handler reads the path's methods from app.openapi(), which works with the docs off.
        not_allowed = await client.put("/conversations")
        assert not_allowed.status_code == 405
        assert not_allowed.headers["allow"] == "GET, HEAD, POST"


# --- /readyz and /models --------------------------------------------------------------------------


async def test_readyz_says_only_ready_to_anyone(api: httpx.AsyncClient, api_url: str, operator_api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as anonymous:
        response = await anonymous.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert_secured(response)
    # A session token is no operator token, and neither is a wrong one, nor the right one where none is set.
    assert (await api.get("/readyz")).json() == {"status": "ready"}
    async with httpx.AsyncClient(base_url=operator_api_url) as client:
        for headers in (bearer("wrong"), bearer(OPERATOR_TOKEN[:-1]), {"Authorization": OPERATOR_TOKEN}):
            assert (await client.get("/readyz", headers=headers)).json() == {"status": "ready"}
    async with httpx.AsyncClient(base_url=api_url) as anonymous:
        assert (await anonymous.get("/readyz", headers=bearer(OPERATOR_TOKEN))).json() == {"status": "ready"}


async def test_readyz_gives_the_operator_the_detail(operator_api_url: str) -> None:
    async with httpx.AsyncClient(base_url=operator_api_url) as client:
        response = await client.get("/readyz", headers=bearer(OPERATOR_TOKEN))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"redis": "ok", "database": "ok"}
    assert body["llm"]["simulated"] is True
    assert body["llm"]["model"] == Settings().openai_model
    assert set(body["llm"]) == {"simulated", "model", "api_style", "base_url"}


class _Down:
    """Redis and an engine whose every call fails with an error naming an internal address."""

    def __init__(self, what: str) -> None:
        self.what = what

    async def ping(self) -> None:
        raise ConnectionError(f"Error 111 connecting to {self.what}. Connection refused.")

    def connect(self) -> None:
        raise OSError(f"could not connect to {self.what}")


async def test_readyz_unavailable_tells_anyone_nothing_more() -> None:
    # In-process, with Redis and PostgreSQL that fail: the errors name internal hosts, which only the operator sees.
    settings = Settings(_env_file=None, operator_token=SecretStr(OPERATOR_TOKEN))
    app = create_app(settings)
    app.state.api = SimpleNamespace(
        settings=settings, redis=_Down("redis.internal:6379"), engine=_Down("db.internal:5432")
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        anonymous = await client.get("/readyz")
        operator = await client.get("/readyz", headers=bearer(OPERATOR_TOKEN))
    assert anonymous.status_code == 503
    assert anonymous.json() == {"status": "unavailable"}
    assert "internal" not in anonymous.text
    assert_secured(anonymous)
    assert operator.status_code == 503
    checks = operator.json()["checks"]
    assert "redis.internal:6379" in checks["redis"]
    assert "db.internal:5432" in checks["database"]


async def test_models_needs_a_signed_in_caller(api: httpx.AsyncClient, api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as anonymous:
        refused = await anonymous.get("/models")
    assert refused.status_code == 401
    assert_secured(refused)
    response = await api.get("/models")
    assert response.status_code == 200
    model = Settings().openai_model
    assert response.json()["default"] == model
    assert {"id": model, "simulated": True} in response.json()["data"]
    assert_secured(response)
