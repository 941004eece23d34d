"""Shortcuts for the API calls most tests make."""

from typing import Any

import httpx


def signed_in(base_url: str, token: str, **options: Any) -> httpx.AsyncClient:
    """A client of ``base_url`` acting for the session ``token`` (by Bearer: no cookie, so no CSRF check)."""
    return httpx.AsyncClient(base_url=base_url, headers=bearer(token), **options)


async def start_guest(client: httpx.AsyncClient) -> str:
    """Signs ``client`` in as a new guest, by Bearer token (no cookie kept); returns the token."""
    response = await client.post("/auth/guest")
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    client.cookies.clear()
    client.headers["Authorization"] = f"Bearer {token}"
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_conversation(client: httpx.AsyncClient, title: str | None = None) -> str:
    response = await client.post("/conversations", json={"title": title} if title else None)
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["id"]
    return conversation_id


async def send_message(client: httpx.AsyncClient, conversation_id: str, content: str) -> dict[str, Any]:
    response = await client.post(f"/conversations/{conversation_id}/messages", json={"content": content})
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "processing"
    return body


async def get_conversation(client: httpx.AsyncClient, conversation_id: str) -> dict[str, Any]:
    response = await client.get(f"/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
