import asyncio

import httpx
import pytest

from app.services.titles import MAX_TITLE_CHARS, clean_title
from tests.api_client import create_conversation, send_message
from tests.sse_client import read_stream


async def _title(api: httpx.AsyncClient, conversation_id: str) -> str | None:
    for _ in range(100):
        title: str | None = (await api.get(f"/conversations/{conversation_id}")).json()["title"]
        if title is not None:
            return title
        await asyncio.sleep(0.1)
    return None


async def test_an_untitled_conversation_is_named_after_its_first_answer(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api)
    accepted = await send_message(api, conversation_id, "[sim tokens=8 tps=0] How do tides work?")
    await read_stream(api, accepted["task_id"])
    title = await _title(api, conversation_id)
    assert title
    assert len(title) <= MAX_TITLE_CHARS + 1
    listing = (await api.get("/conversations", params={"limit": 100})).json()["data"]
    assert {"id": conversation_id, "title": title} in [{"id": c["id"], "title": c["title"]} for c in listing]


async def test_a_title_the_user_gave_is_kept(api: httpx.AsyncClient) -> None:
    conversation_id = await create_conversation(api, "Mine")
    accepted = await send_message(api, conversation_id, "[sim tokens=8 tps=0] Hello")
    await read_stream(api, accepted["task_id"])
    await asyncio.sleep(1)
    assert (await api.get(f"/conversations/{conversation_id}")).json()["title"] == "Mine"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"Tides and the Moon"', "Tides and the Moon"),
        ("## **Tides explained.**\nmore text", "Tides explained"),
        ("\n\n  Title: fine  \n", "Title: fine"),
        ("\u201cQuoted\u201d", "Quoted"),
    ],
)
def test_clean_title(raw: str, expected: str) -> None:
    assert clean_title(raw) == expected


def test_a_long_title_is_cut_at_a_word() -> None:
    title = clean_title("word " * 40)
    assert len(title) <= MAX_TITLE_CHARS + 1
    assert title.endswith("\u2026")
    assert not title.removesuffix("\u2026").endswith(" ")
