"""Accounts and sessions through the API: register, sign in, guests, sign out (here and everywhere), passwords,
the cookie's attributes, expiry, and the CSRF check on cookie-signed requests."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.processes import Supervisor
from tests.api_client import bearer, create_conversation, get_conversation, send_message, signed_in, start_guest
from tests.conftest import Stack, start_test_api
from tests.sse_client import iter_events, read_stream

WEB_ORIGIN = "http://localhost:3000"
PASSWORD = "correct horse battery"


def _email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def _register(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


@pytest.fixture
async def browser(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client that behaves as the web app in a browser does: the cookie, and the web app's Origin."""
    async with httpx.AsyncClient(base_url=api_url, timeout=30, headers={"Origin": WEB_ORIGIN}) as client:
        yield client


async def test_register_sets_an_httponly_samesite_cookie_and_returns_the_same_token(
    browser: httpx.AsyncClient,
) -> None:
    email = _email()
    response = await browser.post("/auth/register", json={"email": f"  {email.upper()} ", "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == email, "emails are kept trimmed and in lower case"
    assert body["user"]["is_guest"] is False
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"chat_session={body['token']};")
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/", "Max-Age="):
        assert attribute.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower(), "not in development, which serves plain HTTP"
    me = await browser.get("/auth/me")
    assert me.json() == body["user"]
    async with signed_in(str(browser.base_url), body["token"]) as scripted:
        assert (await scripted.get("/auth/me")).json() == body["user"], "the token works as Bearer, too"


async def test_an_email_registers_once(browser: httpx.AsyncClient, api_url: str) -> None:
    email = _email()
    await _register(browser, email)
    async with httpx.AsyncClient(base_url=api_url) as other:
        again = await other.post("/auth/register", json={"email": email, "password": "another password"})
    assert again.status_code == 409
    assert again.json() == {"detail": "an account with this email already exists; sign in instead"}


async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(api_url: str) -> None:
    email = _email()
    async with httpx.AsyncClient(base_url=api_url) as client:
        await _register(client, email)
        client.cookies.clear()
        wrong = await client.post("/auth/login", json={"email": email, "password": "not the password"})
        unknown = await client.post("/auth/login", json={"email": _email(), "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "wrong email or password"}
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"
    assert "set-cookie" not in wrong.headers
    assert "set-cookie" not in unknown.headers


async def test_signing_in_rotates_the_session(api_url: str) -> None:
    email = _email()
    async with httpx.AsyncClient(base_url=api_url, headers={"Origin": WEB_ORIGIN}) as client:
        first = (await _register(client, email))["token"]
        second = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert second.status_code == 200, second.text
        assert second.json()["token"] != first
        assert client.cookies["chat_session"] == second.json()["token"]
        assert (await client.get("/auth/me")).status_code == 200
    async with signed_in(api_url, first) as stale:
        assert (await stale.get("/auth/me")).status_code == 401, "the session the sign-in came with has ended"


async def test_a_guest_that_registers_keeps_its_conversations(api: httpx.AsyncClient) -> None:
    me = (await api.get("/auth/me")).json()
    assert me["is_guest"] is True
    assert me["email"] is None
    conversation_id = await create_conversation(api, "from my guest days")
    guest_token = api.headers["Authorization"]
    registered = await _register(api, _email())
    assert registered["user"]["id"] == me["id"], "the same account"
    assert registered["user"]["is_guest"] is False
    assert (await api.get("/auth/me")).status_code == 401, "the guest's session ended"
    api.headers["Authorization"] = f"Bearer {registered['token']}"
    assert (await get_conversation(api, conversation_id))["title"] == "from my guest days"
    assert api.headers["Authorization"] != guest_token


async def test_sign_out_ends_this_session_only(api_url: str) -> None:
    email = _email()
    async with httpx.AsyncClient(base_url=api_url) as client:
        tokens = [(await _register(client, email))["token"]]
        for _ in range(2):
            client.cookies.clear()  # as another device: a sign-in that comes with no session of its own
            tokens.append(
                (await client.post("/auth/login", json={"email": email, "password": PASSWORD})).json()["token"]
            )
        client.cookies.clear()
        out = await client.post("/auth/logout", headers=bearer(tokens[2]))
        assert out.status_code == 204
        statuses = [(await client.get("/auth/me", headers=bearer(token))).status_code for token in tokens]
    assert statuses == [200, 200, 401]


async def test_sign_out_everywhere_ends_every_session_on_both_api_processes(stack: Stack) -> None:
    email = _email()
    tokens: list[str] = []
    for url in stack.api_urls:
        async with httpx.AsyncClient(base_url=url) as client:
            if not tokens:
                tokens.append((await _register(client, email))["token"])
            else:
                tokens.append(await _sign_in(client, email))
    for url in stack.api_urls:
        for token in tokens:
            async with signed_in(url, token) as client:
                assert (await client.get("/auth/me")).status_code == 200
    async with signed_in(stack.api_urls[1], tokens[0]) as client:
        out = await client.post("/auth/logout-everywhere")
        assert out.status_code == 204
        assert 'chat_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    # Both processes remember the sessions (app/auth/sessions.py CallerCache). The one that ended them forgets them
    # at once; the other as soon as its hub reads the announcement, a matter of milliseconds.
    for url in (stack.api_urls[1], stack.api_urls[0]):
        for token in tokens:
            async with signed_in(url, token) as client:
                refused = await _refused_within(client, 0 if url == stack.api_urls[1] else 2)
                assert refused.json() == {"detail": "your session has expired or was signed out; sign in again"}


async def _refused_within(client: httpx.AsyncClient, seconds: float) -> httpx.Response:
    deadline = asyncio.get_running_loop().time() + seconds
    while (response := await client.get("/conversations")).status_code != 401:
        assert response.status_code == 200, response.text
        assert asyncio.get_running_loop().time() < deadline, "the ended session is still accepted"
        await asyncio.sleep(0.05)
    return response


async def test_signing_out_ends_the_sessions_open_streams_on_every_api_process(stack: Stack) -> None:
    email = _email()
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        first = (await _register(client, email))["token"]
        client.cookies.clear()
        second = await _sign_in(client, email)
        client.cookies.clear()
    async with signed_in(stack.api_url, first) as tab, signed_in(stack.api_urls[1], second) as other_tab:
        conversation_id = await create_conversation(tab)
        accepted = await send_message(tab, conversation_id, "[sim tokens=600 tps=20] a long answer")
        path = f"/stream/{accepted['task_id']}"
        async with tab.stream("GET", path) as mine, other_tab.stream("GET", path) as theirs:
            my_events, their_events = iter_events(mine), iter_events(theirs)
            await anext(my_events)
            await anext(their_events)
            assert (await other_tab.post("/auth/logout")).status_code == 204  # the second session only
            seen = [await anext(my_events) for _ in range(3)]
            assert not any(event.is_terminal for event in seen), "the first session's stream goes on"
            async with asyncio.timeout(10):
                ended = [event async for event in their_events]
            assert not any(event.is_terminal for event in ended), "ended for resumption, not finished"
            assert (await other_tab.get(path)).status_code == 401

            assert (await tab.post("/auth/logout-everywhere")).status_code == 204
            async with asyncio.timeout(10):
                rest = [event async for event in my_events]
            assert not any(event.is_terminal for event in rest)


async def test_changing_the_password_ends_the_other_sessions(api_url: str) -> None:
    email = _email()
    async with httpx.AsyncClient(base_url=api_url) as client:
        first = (await _register(client, email))["token"]
        client.cookies.clear()
        other = await _sign_in(client, email)
        client.cookies.clear()
        change = {"current_password": "nope", "new_password": "a new password"}
        wrong = await client.post("/auth/password", json=change, headers=bearer(other))
        assert wrong.status_code == 403
        assert wrong.json() == {"detail": "the current password is wrong"}
        changed = await client.post(
            "/auth/password",
            json={"current_password": PASSWORD, "new_password": "a new password"},
            headers=bearer(other),
        )
        assert changed.status_code == 200, changed.text
        client.cookies.clear()
        for ended in (first, other):
            assert (await client.get("/auth/me", headers=bearer(ended))).status_code == 401
        assert (await client.get("/auth/me", headers=bearer(changed.json()["token"]))).status_code == 200
        old = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert old.status_code == 401
        new = await client.post("/auth/login", json={"email": email, "password": "a new password"})
        assert new.status_code == 200


async def test_a_guest_has_no_password_to_change(api: httpx.AsyncClient) -> None:
    refused = await api.post("/auth/password", json={"current_password": "", "new_password": "a new password"})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "a guest has no password; register to set one"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"email": "not an email", "password": PASSWORD}, "email"),
        ({"email": "a@b", "password": PASSWORD}, "email"),
        ({"email": "x" * 250 + "@example.com", "password": PASSWORD}, "email"),
        ({"email": "nul\u0000@example.com", "password": PASSWORD}, "email"),
        ({"email": _email(), "password": "short"}, "password"),
        ({"email": _email(), "password": "p" * 1025}, "password"),
        ({"email": _email(), "password": "with a NUL \u0000 in it"}, "password"),
        ({"email": 42, "password": PASSWORD}, "email"),
        ({"email": _email(), "password": ["a list"]}, "password"),
        ({"email": _email()}, "password"),
    ],
)
async def test_bad_credentials_are_a_422_that_names_the_field(api_url: str, body: object, problem: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as client:
        for route in ("/auth/register", "/auth/login"):
            response = await client.post(route, json=body)
            assert response.status_code == 422, response.text
            assert [error["loc"][-1] for error in response.json()["detail"]] == [problem]


async def test_anonymous_requests_are_told_to_sign_in(api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as client:
        for method, path in [("GET", "/conversations"), ("GET", "/auth/me"), ("GET", f"/stream/{uuid.uuid4()}")]:
            response = await client.request(method, path)
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
            assert "sign in first" in response.json()["detail"]
        garbage = await client.get("/conversations", headers={"Authorization": "Bearer " + "x" * 5000})
        assert garbage.status_code == 401
        basic = await client.get("/conversations", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert basic.status_code == 401


# --- CSRF ---------------------------------------------------------------------------------------


async def test_a_foreign_pages_simple_post_changes_nothing(browser: httpx.AsyncClient) -> None:
    """What a form or fetch(no-cors) on another site can send: the victim's cookie (were SameSite to allow it), a
    text/plain body, and that site's Origin. Refused before it reaches any route."""
    await _register(browser, _email())
    conversation_id = await create_conversation(browser, "mine")
    accepted = await send_message(browser, conversation_id, "[sim tokens=4000 tps=20] a long answer")
    attacks = [
        ("POST", f"/stream/{accepted['task_id']}/cancel", None),
        ("POST", f"/conversations/{conversation_id}/messages", '{"content": "sent by evil.example"}'),
        ("DELETE", f"/conversations/{conversation_id}", None),
        ("PATCH", f"/conversations/{conversation_id}", '{"title": "owned"}'),
        ("POST", "/auth/logout-everywhere", None),
    ]
    for origin in ("https://evil.example", "null", "http://localhost:3001"):
        for method, path, content in attacks:
            refused = await browser.request(
                method, path, content=content, headers={"Origin": origin, "Content-Type": "text/plain"}
            )
            assert refused.status_code == 403, (origin, method, path, refused.text)
            assert refused.json()["detail"].startswith("cross-site request refused")
    conversation = await get_conversation(browser, conversation_id)
    assert conversation["title"] == "mine"
    assert [m["content"] for m in conversation["messages"] if m["role"] == "user"] == [
        "[sim tokens=4000 tps=20] a long answer"
    ]
    assert conversation["messages"][-1]["status"] == "streaming", "the answer was not stopped"
    assert (await browser.get("/auth/me")).status_code == 200, "nor was the session ended"
    assert (await browser.post(f"/stream/{accepted['task_id']}/cancel")).status_code == 202


async def test_a_cookie_signed_change_without_an_origin_is_refused(browser: httpx.AsyncClient) -> None:
    await _register(browser, _email())
    del browser.headers["Origin"]
    refused = await browser.post("/conversations", json={})
    assert refused.status_code == 403
    assert (await browser.get("/conversations")).status_code == 200, "reads need no Origin"


async def test_a_page_of_the_apis_own_origin_may_change_things(browser: httpx.AsyncClient) -> None:
    """Its /docs page: "Try it out" with the session cookie."""
    await _register(browser, _email())
    own = f"http://{browser.base_url.host}:{browser.base_url.port}"
    created = await browser.post("/conversations", json={}, headers={"Origin": own})
    assert created.status_code == 201, created.text


async def test_a_bearer_client_needs_no_origin(api: httpx.AsyncClient) -> None:
    assert "origin" not in api.headers
    assert (await api.post("/conversations", json={})).status_code == 201


async def test_the_web_apps_origin_gets_cors_with_credentials(api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as client:
        preflight = await client.options(
            "/conversations",
            headers={
                "Origin": WEB_ORIGIN,
                "Access-Control-Request-Method": "POST",
                # A request id the web app may send along, for its lines and the API's to share.
                "Access-Control-Request-Headers": "content-type, x-request-id",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == WEB_ORIGIN
        assert preflight.headers["access-control-allow-credentials"] == "true"
        answer = await client.get("/healthz", headers={"Origin": WEB_ORIGIN})
        exposed = {name.strip() for name in answer.headers["access-control-expose-headers"].split(",")}
        # A 429's wait, and the request id for a bug report, are readable by the web app.
        assert exposed == {"Retry-After", "X-Request-ID"}
        foreign = await client.options(
            "/conversations", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in foreign.headers


# --- Expiry ---------------------------------------------------------------------------------------


async def test_a_session_expires_after_session_seconds_even_mid_use(stack: Stack, tmp_path: Path) -> None:
    with Supervisor(tmp_path) as supervisor:
        url = start_test_api(supervisor, "api-short-sessions", {**stack.env, "SESSION_SECONDS": "3"})
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            started = await client.post("/auth/guest")
            assert "Max-Age=3" in started.headers["set-cookie"]
            issued = started.json()
            client.cookies.clear()
            client.headers.update(bearer(issued["token"]))
            conversation_id = await create_conversation(client)
            accepted = await send_message(client, conversation_id, "[sim tokens=3 tps=0]")
            await read_stream(client, accepted["task_id"])
            for _ in range(60):  # 30 s at most, for a session of 3
                if (await client.get("/auth/me")).status_code == 401:
                    break
                await asyncio.sleep(0.5)
            expired = await client.get(f"/conversations/{conversation_id}")
            assert expired.status_code == 401
            assert expired.json() == {"detail": "your session has expired or was signed out; sign in again"}
            assert (await client.get(f"/stream/{accepted['task_id']}")).status_code == 401
            # Signing in again as the same guest is not possible (a guest has no password): the answer waits for
            # an account, which is why the web app asks a guest to register.
            fresh = await start_guest(client)
            assert fresh != issued["token"]
            assert (await client.get(f"/conversations/{conversation_id}")).status_code == 404
