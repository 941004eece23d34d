"""Who may do what: every operation of the API's own OpenAPI document, asked by the owner of a conversation, by
another registered user (by cookie, and by Bearer token), by another guest, and by nobody.

The owner's resources are a conversation with a finished answer whose Redis events have expired (so its stream is
served from PostgreSQL) and a second conversation with an answer still being generated (so cancel and the live
stream are real). Expected: nobody gets 401 everywhere but health, readiness and sign-in; every other caller gets
404 for each of the owner's resources, exactly as for one that does not exist, and no response to them contains any
of the owner's ids or text; the owner's answer is still generating afterwards, and the owner can do everything.

The routes that sign the caller in or out (register, login, guest, logout, password) name no resource; they are in
the anonymous column here and tested per caller in tests/api/routes/test_auth.py.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from app.core import redis_keys
from tests.api_client import create_conversation, get_conversation, send_message
from tests.conftest import Stack
from tests.sse_client import assemble, iter_events, read_first, read_stream

# The web app's origin in the test stack's CORS_ORIGINS (the default): cookie-signed changes must come from it.
WEB_ORIGIN = "http://localhost:3000"
SECRET = "matrix-secret-7f3a"
PUBLIC = {"GET /healthz", "GET /readyz", "POST /auth/register", "POST /auth/login", "POST /auth/guest"}
SESSION_ROUTES = {"POST /auth/logout", "POST /auth/logout-everywhere", "POST /auth/password"}
# A valid body for each operation that takes one, so that a refusal is about who asks, never about the input.
BODIES: dict[str, Any] = {
    "POST /conversations": {"title": "mine"},
    "PATCH /conversations/{conversation_id}": {"title": "renamed by someone else"},
    "POST /conversations/{conversation_id}/messages": {"content": "[sim tokens=2 tps=0] hello"},
    "POST /auth/register": {"email": "matrix-anonymous@example.com", "password": "long enough password"},
    "POST /auth/login": {"email": "nobody@example.com", "password": "long enough password"},
    "POST /auth/password": {"current_password": "x", "new_password": "another long password"},
}
# What a caller who owns none of the resources gets from each operation that does not name one.
OWN_RESOURCE_STATUS = {
    "GET /conversations": 200,
    "POST /conversations": 201,
    "GET /auth/me": 200,
    "GET /auth/me/usage": 200,
    "GET /models": 200,
}


@dataclass(frozen=True)
class Owned:
    """The owner's resources, and every string that would betray them."""

    conversation_id: str
    finished_task: str
    # The finished answer and its question.
    finished_answer: str
    finished_question: str
    busy_conversation_id: str
    running_task: str
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    method: str
    template: str

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    def paths(self, owned: Owned) -> list[str]:
        """The operation's paths naming the owner's resources: a stream both finished and expired, and live."""
        tasks = [owned.running_task] if self.method == "POST" else [owned.finished_task, owned.running_task]
        paths = {
            self.template.replace("{conversation_id}", owned.conversation_id)
            .replace("{task_id}", task)
            .replace("{assistant_message_id}", owned.finished_answer)
            for task in tasks
        }
        assert all("{" not in path for path in paths), f"{self.template} has a parameter this test cannot fill"
        return sorted(paths)

    @property
    def names_a_resource(self) -> bool:
        return "{" in self.template


def _operations(openapi: dict[str, Any]) -> list[Operation]:
    return [
        Operation(method.upper(), path)
        for path, methods in openapi["paths"].items()
        for method in methods
        if method in {"get", "post", "patch", "put", "delete"}
    ]


async def _signed_in_by_cookie(api_url: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=api_url, timeout=30, headers={"Origin": WEB_ORIGIN})
    registered = await client.post("/auth/register", json={"email": email, "password": "correct horse battery"})
    assert registered.status_code == 201, registered.text
    assert "authorization" not in client.headers, "signed in by the cookie alone"
    assert client.cookies
    return client


@pytest.fixture
async def callers(stack: Stack) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    run = uuid.uuid4().hex[:8]
    owner = await _signed_in_by_cookie(stack.api_url, f"owner-{run}@example.com")
    other = await _signed_in_by_cookie(stack.api_urls[1], f"other-{run}@example.com")
    other_token = (
        await other.post("/auth/login", json={"email": f"other-{run}@example.com", "password": "correct horse battery"})
    ).json()["token"]
    other_by_bearer = httpx.AsyncClient(
        base_url=stack.api_url, timeout=30, headers={"Authorization": f"Bearer {other_token}"}
    )
    guest = httpx.AsyncClient(base_url=stack.api_urls[1], timeout=30)
    guest_token = (await guest.post("/auth/guest")).json()["token"]
    guest.cookies.clear()
    guest.headers["Authorization"] = f"Bearer {guest_token}"
    anonymous = httpx.AsyncClient(base_url=stack.api_url, timeout=30, headers={"Origin": WEB_ORIGIN})
    clients = {
        "owner": owner,
        "other user (cookie)": other,
        "other user (Bearer)": other_by_bearer,
        "guest": guest,
        "anonymous": anonymous,
    }
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.aclose()


async def _owned(owner: httpx.AsyncClient, redis_url: str) -> Owned:
    conversation_id = await create_conversation(owner, f"{SECRET} title")
    finished = await send_message(owner, conversation_id, f"[sim tokens=6 tps=0] {SECRET} question")
    await read_stream(owner, finished["task_id"])
    redis = Redis.from_url(redis_url)
    try:  # expired, as after STREAM_TTL_SECONDS: the stream is now served from PostgreSQL
        assert await redis.delete(redis_keys.stream_events_key(finished["task_id"])) == 1
    finally:
        await redis.aclose()
    busy_conversation_id = await create_conversation(owner)
    running = await send_message(owner, busy_conversation_id, f"[sim tokens=4000 tps=20] {SECRET} long")
    assert len(await read_first(owner, running["task_id"], 2)) == 2, "the answer is generating"
    me = (await owner.get("/auth/me")).json()
    ids = (conversation_id, busy_conversation_id, finished["task_id"], running["task_id"], me["id"], me["email"])
    message_ids = (finished["message_id"], finished["assistant_message_id"], running["assistant_message_id"])
    return Owned(
        conversation_id,
        finished["task_id"],
        finished["assistant_message_id"],
        finished["message_id"],
        busy_conversation_id,
        running["task_id"],
        (*ids, *message_ids, SECRET),
    )


async def _ask(client: httpx.AsyncClient, operation: Operation, path: str, owned: Owned) -> httpx.Response:
    # A stream is asked for as a resuming client asks (after its first event); read for one event, never left open.
    resuming = {"Last-Event-ID": "1"} if operation.name == "GET /stream/{task_id}" else None
    body = BODIES.get(operation.name)
    if operation.name == "POST /conversations/{conversation_id}/branch":
        body = {"message_id": owned.finished_question}  # the owner's own message
    async with client.stream(operation.method, path, json=body, headers=resuming) as response:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            async for _ in iter_events(response):
                break
        else:
            await response.aread()
    return response


def _leaks(response: httpx.Response, owned: Owned) -> list[str]:
    text = response.text if not response.headers.get("content-type", "").startswith("text/event-stream") else ""
    headers = " ".join(f"{name}: {value}" for name, value in response.headers.items())
    return [secret for secret in owned.secrets if secret in text or secret in headers]


async def test_every_operation_for_every_caller(
    stack: Stack, callers: dict[str, httpx.AsyncClient], redis_url: str
) -> None:
    openapi = (await callers["anonymous"].get("/openapi.json")).json()
    operations = _operations(openapi)
    unclassified = [
        op.name
        for op in operations
        if not op.names_a_resource and op.name not in PUBLIC | SESSION_ROUTES | set(OWN_RESOURCE_STATUS)
    ]
    assert not unclassified, f"new operations this test does not know what to expect of: {unclassified}"
    owned = await _owned(callers["owner"], redis_url)

    wrong: list[str] = []
    asked = 0
    for caller, client in callers.items():
        if caller == "owner":
            continue
        for operation in operations:
            if caller != "anonymous" and operation.name in PUBLIC | SESSION_ROUTES:
                continue  # sign-in and sign-out: tests/api/routes/test_auth.py, per caller
            if caller == "anonymous":
                expected = _anonymous_status(operation)
            else:
                expected = 404 if operation.names_a_resource else OWN_RESOURCE_STATUS[operation.name]
            for path in operation.paths(owned):
                if caller == "anonymous":
                    client.cookies.clear()  # what registering or a guest start just set
                response = await _ask(client, operation, path, owned)
                asked += 1
                if response.status_code != expected:
                    wrong.append(f"{caller}: {operation.method} {path} answered {response.status_code}, not {expected}")
                if leaked := _leaks(response, owned):
                    wrong.append(f"{caller}: {operation.method} {path} leaked {leaked}")
    assert not wrong, "\n".join(wrong)
    print(f"{asked} requests by 4 non-owners over {len(operations)} operations: 0 leaks, 0 wrong statuses")

    await _the_owner_lost_nothing_and_can_do_everything(callers["owner"], owned)


def _anonymous_status(operation: Operation) -> int:
    return {
        "GET /healthz": 200,
        "GET /readyz": 200,
        "POST /auth/register": 201,
        "POST /auth/login": 401,
        "POST /auth/guest": 201,
    }.get(operation.name, 401)


async def _the_owner_lost_nothing_and_can_do_everything(owner: httpx.AsyncClient, owned: Owned) -> None:
    conversation = await get_conversation(owner, owned.conversation_id)
    assert conversation["title"] == f"{SECRET} title", "nobody renamed it"
    busy = await get_conversation(owner, owned.busy_conversation_id)
    assert busy["messages"][-1]["status"] == "streaming", "nobody stopped the answer"

    # The expired answer's stream resumes from PostgreSQL, for its owner.
    rest = await read_stream(owner, owned.finished_task, last_event_id=1)
    assert rest[-1].data == {"done": True, "status": "completed"}
    assert assemble(rest) == conversation["messages"][-1]["content"]
    assert len(await read_first(owner, owned.running_task, 3)) == 3

    stopped = await owner.post(f"/stream/{owned.running_task}/cancel")
    assert stopped.status_code == 202, stopped.text
    events = await read_stream(owner, owned.running_task)
    assert events[-1].data == {"done": True, "status": "cancelled"}
    renamed = await owner.patch(f"/conversations/{owned.conversation_id}", json={"title": "mine still"})
    assert renamed.status_code == 200
    again = await send_message(owner, owned.conversation_id, "[sim tokens=2 tps=0] and again")
    await read_stream(owner, again["task_id"])
    regenerated = await owner.post(f"/messages/{owned.finished_answer}/regenerate")
    assert regenerated.status_code == 202, regenerated.text
    await read_stream(owner, regenerated.json()["task_id"])
    switched = await owner.post(
        f"/conversations/{owned.conversation_id}/branch", json={"message_id": owned.finished_answer}
    )
    # Back to the first version: its branch goes on to the answer that followed it.
    assert switched.json()["messages"][-1]["id"] == again["assistant_message_id"]
    exported = await owner.get(f"/conversations/{owned.conversation_id}/export/json", params={"scope": "tree"})
    assert len(exported.json()["messages"]) == 5, "two questions, three answers (one of them a second version)"
    listed = (await owner.get("/conversations")).json()
    assert {owned.conversation_id, owned.busy_conversation_id} <= {c["id"] for c in listed["data"]}
    assert (await owner.delete(f"/conversations/{owned.busy_conversation_id}")).status_code == 204
