"""GET /conversations: keyset pages of the caller's conversations, and ?q= full-text search over their titles and
messages, ranked, with a snippet of where each matched. Rows are made straight in PostgreSQL (tests/rows.py)."""

import random
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import MAX_SEARCH_CHARS, Conversation, MessageRole, MessageStatus
from tests.api_client import start_guest
from tests.rows import add_many_conversations, add_message

Sessions = async_sessionmaker[AsyncSession]


async def _user_id(client: httpx.AsyncClient) -> uuid.UUID:
    response = await client.get("/auth/me")
    assert response.status_code == 200, response.text
    return uuid.UUID(response.json()["id"])


async def _conversation(sessions: Sessions, client: httpx.AsyncClient, title: str | None, *texts: str) -> str:
    """A conversation of ``client``'s user with ``texts`` as its messages, one branch, questions and answers in
    turn; returns its id."""
    user_id = await _user_id(client)
    async with sessions() as session:
        conversation = Conversation(user_id=user_id, title=title)
        session.add(conversation)
        await session.flush()
        parent_id = None
        for n, text in enumerate(texts):
            role = MessageRole.USER if n % 2 == 0 else MessageRole.ASSISTANT
            parent_id = (await add_message(session, conversation.id, text, role=role, parent_id=parent_id)).id
        conversation.current_message_id = parent_id
        await session.commit()
        return str(conversation.id)


async def _page(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/conversations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _every_page(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """The conversations of every page, first to last, following next_cursor; each page's count is the same."""
    listed: list[dict[str, Any]] = []
    page = await _page(client, **params)
    count = page["count"]
    while True:
        listed += page["data"]
        assert page["count"] == count
        if page["next_cursor"] is None:
            return listed
        assert len(page["data"]) == params["limit"], "only the last page is short"
        page = await _page(client, **params, cursor=page["next_cursor"])


def _ids(conversations: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in conversations]


def _most_recent_first(conversations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """As PostgreSQL orders them: updated_at descending, then id (UUIDs compare as their canonical text does)."""
    by_id = sorted(conversations, key=lambda c: c["id"])
    return sorted(by_id, key=lambda c: datetime.fromisoformat(c["updated_at"]), reverse=True)


def _highlighted(conversation: dict[str, Any]) -> list[str]:
    return [part["text"] for part in conversation["snippet"] if part["match"]]


async def test_pages_list_every_conversation_once_past_a_thousand(api: httpx.AsyncClient, sessions: Sessions) -> None:
    user_id = await _user_id(api)
    await add_many_conversations(sessions, user_id, 1_050, "listed ", per_instant=3)
    async with sessions() as session:
        expected = [
            str(row.id)
            for row in await session.execute(
                sa.text("SELECT id FROM conversation WHERE user_id = :user_id ORDER BY updated_at DESC, id"),
                {"user_id": user_id},
            )
        ]

    listed = await _every_page(api, limit=100)
    assert _ids(listed) == expected, "most recently active first, ties by id, none skipped or repeated"
    assert len(listed) == 1_050
    assert all(c["snippet"] is None for c in listed), "no snippet without a search"
    assert (await _page(api, limit=100))["count"] == 1_050
    # A page of exactly what is left has no next page.
    assert len(await _every_page(api, limit=50)) == 1_050


async def test_search_pages_list_every_match_once(api: httpx.AsyncClient, sessions: Sessions) -> None:
    # Many ties of rank (the same text) and of instant, and matches of other ranks among them.
    user_id = await _user_id(api)
    await add_many_conversations(sessions, user_id, 120, "Ice notes ", per_instant=4)
    async with sessions() as session:
        conversations = (
            await session.execute(sa.text("SELECT id FROM conversation WHERE user_id = :u"), {"u": user_id})
        ).scalars()
        for n, conversation_id in enumerate(conversations):
            text = "glaciers melt" if n % 3 else "the glacier, a glacier and glaciers"
            await add_message(session, conversation_id, text)
        await session.commit()
    await add_many_conversations(sessions, user_id, 30, "Unrelated ", per_instant=1)

    listed = await _every_page(api, q="glacier", limit=7)
    assert len(set(_ids(listed))) == len(listed) == 120
    assert (await _page(api, q="glacier", limit=7))["count"] == 120
    # Three matches rank above one; within a rank, most recently active first, ties by id.
    often = [c for c in listed if "a glacier" in "".join(part["text"] for part in c["snippet"])]
    assert len(often) == 40
    assert listed[:40] == often
    for same_rank in (often, listed[40:]):
        assert same_rank == _most_recent_first(same_rank)
    first_page = (await _page(api, q="glacier", limit=100))["data"]
    assert first_page == listed[:100], "pages of 7 follow the order of one page of 100"


async def test_a_title_match_and_more_matches_rank_higher(api: httpx.AsyncClient, sessions: Sessions) -> None:
    # Made oldest first, so that recency alone would list them the other way round.
    in_title = await _conversation(sessions, api, "Sourdough baking", "What flour should I buy?")
    many = await _conversation(sessions, api, "Bread", "Sourdough, sourdough: my sourdough starter smells odd")
    once = await _conversation(sessions, api, "Kitchen", "I have a question", "Try a sourdough loaf some day.")
    await _conversation(sessions, api, "Sour milk", "Is this milk bad?")

    found = await _page(api, q="sourdough")
    assert _ids(found["data"]) == [in_title, many, once]
    assert found["count"] == 3
    assert found["next_cursor"] is None


async def test_the_snippet_flags_the_matched_words_and_is_never_html(
    api: httpx.AsyncClient, sessions: Sessions
) -> None:
    answer = (
        "Before you go, pack warm layers. <b>Bold</b> & 'quoted' hiking boots matter most on the mountain trails "
        "in October, and a map. Much later: unrelated words about cooking pasta, sauces and cheese, and then about "
        "the weather in spring, which is another story altogether."
    )
    conversation_id = await _conversation(sessions, api, None, "What should I pack?", answer, "Thanks!")
    # The characters the service marks matches with, in a message of its own: blanked, never read as marks.
    marked = await _conversation(sessions, api, None, "\ue001 \ue000 hiking on \ue001 mountain trails \ue000")

    both = {c["id"]: c for c in (await _page(api, q="hiking mountain trails"))["data"]}
    assert set(both) == {conversation_id, marked}
    found, other = both[conversation_id], both[marked]
    assert _highlighted(found) == ["hiking", "mountain", "trails"]
    text = "".join(part["text"] for part in found["snippet"])
    assert text in answer, "a passage of the message, as written: the tags in it are text"
    assert "<b>Bold</b> &" in text
    assert "pasta" not in text, "a long message: about twenty words, around the match"
    assert not any(part["text"] == "" for part in found["snippet"])

    assert _highlighted(other) == ["hiking", "mountain", "trails"]
    assert not any(mark in part["text"] for part in other["snippet"] for mark in "\ue000\ue001")

    # An HTML tag in a question about code is words too, and shown as written.
    code = await _conversation(sessions, api, None, "How do I center a <div> if a < b?")
    [found] = (await _page(api, q="div"))["data"]
    assert found["id"] == code
    assert found["snippet"] == [
        {"text": "How do I center a <", "match": False},
        {"text": "div", "match": True},
        {"text": "> if a < b?", "match": False},
    ]

    assert (await _page(api, q="quiet evening"))["count"] == 0
    title_match = await _conversation(sessions, api, "A quiet evening by the lake")
    [titled] = (await _page(api, q="quiet evening"))["data"]
    assert titled["id"] == title_match
    assert titled["snippet"] == [
        {"text": "A ", "match": False},
        {"text": "quiet", "match": True},
        {"text": " ", "match": False},
        {"text": "evening", "match": True},
        {"text": " by the lake", "match": False},
    ]


async def test_what_is_searched(api: httpx.AsyncClient, sessions: Sessions) -> None:
    user_id = await _user_id(api)
    async with sessions() as session:
        conversation = Conversation(user_id=user_id)
        session.add(conversation)
        await session.flush()
        question = await add_message(session, conversation.id, "Tell me about otters")
        # Two versions of the answer: the branch shown is the second; the first is searched all the same.
        await add_message(session, conversation.id, "Platypus facts", MessageRole.ASSISTANT, parent_id=question.id)
        shown = await add_message(session, conversation.id, "Beavers!", MessageRole.ASSISTANT, parent_id=question.id)
        stopped = await add_message(
            session, conversation.id, "Wombats", MessageRole.ASSISTANT, MessageStatus.CANCELLED, parent_id=question.id
        )
        streaming = await add_message(
            session, conversation.id, "Narwhals", MessageRole.ASSISTANT, MessageStatus.STREAMING, parent_id=question.id
        )
        conversation.current_message_id = shown.id
        await session.commit()
    conversation_id = str(conversation.id)

    for words, expected in [
        ("otter", True),
        ("platypus", True),
        ("beavers", True),
        ("wombat", True),
        ("running otters", False),
        ("otters -wombats", True),
        # Excluded words alone would match nearly everything: nothing.
        ("-platypus", False),
    ]:
        assert _ids((await _page(api, q=words))["data"]) == ([conversation_id] if expected else []), words
    assert (await _page(api, q="narwhal"))["count"] == 0, "an answer is searched once it has ended"

    async with sessions() as session:
        await session.execute(sa.text("UPDATE message SET status = 'completed' WHERE id = :id"), {"id": streaming.id})
        await session.execute(sa.text("UPDATE message SET status = 'failed' WHERE id = :id"), {"id": stopped.id})
        await session.commit()
    assert _ids((await _page(api, q="narwhal"))["data"]) == [conversation_id]
    assert _ids((await _page(api, q="wombat"))["data"]) == [conversation_id]

    # A rename is searched at once; the count is of conversations, not of matching messages.
    renamed = await api.patch(f"/conversations/{conversation_id}", json={"title": "Otter questions"})
    assert renamed.status_code == 200
    found = await _page(api, q="otters")
    assert found["count"] == 1
    assert found["data"][0]["snippet"] == [{"text": "Otter", "match": True}, {"text": " questions", "match": False}]


async def test_another_users_conversations_are_never_found(api: httpx.AsyncClient, sessions: Sessions) -> None:
    mine = await _conversation(sessions, api, "Kayak trip", "Which kayak should I rent?")
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as other:
        await start_guest(other)
        theirs = await _conversation(sessions, other, "Kayak repair", "My kayak has a hole")
        assert _ids((await _page(other, q="kayak"))["data"]) == [theirs]
        assert (await _page(other, q="kayak"))["count"] == 1
        assert _ids((await _page(other, limit=100))["data"]) == [theirs]
    assert _ids((await _page(api, q="kayak"))["data"]) == [mine]
    assert _ids((await _page(api, q="hole repair"))["data"]) == []


async def test_a_cursor_that_is_not_this_lists_is_a_422(api: httpx.AsyncClient, sessions: Sessions) -> None:
    await add_many_conversations(sessions, await _user_id(api), 3, "Volcano ")
    list_cursor = (await _page(api, limit=1))["next_cursor"]
    search_cursor = (await _page(api, q="volcano", limit=1))["next_cursor"]
    assert list_cursor
    assert search_cursor
    payload, _, digest = list_cursor.partition(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    cases = [
        ({"cursor": "garbage"}, "pattern"),
        ({"cursor": "a.b"}, "not one this API made"),
        ({"cursor": "!!!.???"}, "pattern"),
        ({"cursor": f"{flipped}.{digest}"}, "altered"),
        ({"cursor": list_cursor[:-2]}, "altered"),
        ({"cursor": "x" * 501}, "at most 500"),
        # A cursor belongs to its list: the listing's, one search's.
        ({"cursor": list_cursor, "q": "volcano"}, "another list's"),
        ({"cursor": search_cursor}, "another list's"),
        ({"cursor": search_cursor, "q": "volcanoes"}, "another list's"),
    ]
    for params, message in cases:
        response = await api.get("/conversations", params=params)
        assert response.status_code == 422, (params, response.text)
        [error] = response.json()["detail"]
        assert error["loc"] == ["query", "cursor"], error
        assert message in error["msg"], (params, error)
    assert (await api.get("/conversations", params={"cursor": list_cursor})).status_code == 200
    assert (await api.get("/conversations", params={"cursor": search_cursor, "q": "volcano"})).status_code == 200


async def test_the_words_searched_for(api: httpx.AsyncClient) -> None:
    for q, message in [
        ("", "empty"),
        ("  \t ", "empty"),
        ("x" * (MAX_SEARCH_CHARS + 1), f"the limit is {MAX_SEARCH_CHARS}"),
        ("a\x00b", "NUL"),
    ]:
        response = await api.get("/conversations", params={"q": q})
        assert response.status_code == 422, (q, response.text)
        [error] = response.json()["detail"]
        assert error["loc"] == ["query", "q"]
        assert message in error["msg"], error
    assert (await _page(api, q="x" * MAX_SEARCH_CHARS))["count"] == 0
    # Words the English configuration ignores make an empty query, which matches nothing.
    assert await _page(api, q="the and of") == {"data": [], "count": 0, "next_cursor": None}


@pytest.mark.parametrize("seed", range(3))
async def test_no_search_text_is_a_server_error(api: httpx.AsyncClient, sessions: Sessions, seed: int) -> None:
    await _conversation(sessions, api, "Fuzz target: quotes \"' and & | ! ( ) : * < -> \\", "word & other | thing")
    alphabet = "ab é\"'&|!():*<->\\-_.,;%?+~^$#@`{}[]/=ordANDORNOT\u00a0\u2028😀\ud7ff\ue000\ue001\t\n"
    shapes = ['"unclosed', "-", "or or or", "!!!", "a & b | c", ":*", "'", "a <-> b", "-a -b", 'x" or "y', "\\"]
    randomly = random.Random(seed)
    queries = shapes + ["".join(randomly.choices(alphabet, k=randomly.randint(1, 40))) for _ in range(60)]
    for q in queries:
        response = await api.get("/conversations", params={"q": q, "limit": 5})
        if not q.strip():
            assert response.status_code == 422, (q, response.text)
            continue
        assert response.status_code == 200, (q, response.text)
        body = response.json()
        if body["next_cursor"]:
            assert (await api.get("/conversations", params={"q": q, "cursor": body["next_cursor"]})).status_code == 200
