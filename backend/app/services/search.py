"""Full-text search over the caller's conversations: their titles and the text of their messages.

PostgreSQL does it all, on the STORED generated vectors of migration 0008 and their GIN indexes. The words are read
as a web search box reads them (``websearch_to_tsquery``: ``"a phrase"``, ``or``, ``-word``), in the English
configuration, so "running" finds "runs".

What is searched: every message of the conversation, on every branch (edited questions, regenerated answers), not
only the branch it shows; questions, and answers once they have ended (completed, failed or stopped, with whatever
text they have); an answer still streaming is found once it ends (app/models.py says why). Reasoning and error text
are not searched.

Ranking: a conversation ranks by its best match, its title or one message (``ts_rank``; the title's words weigh
ten times a message's), ties broken by recency. ``ts_headline``, the costly part, runs for the page's rows only.
Keyset pagination over (rank, updated_at, id): exact, ``rank`` included (see app/services/cursors.py).
"""

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import SEARCH_CONFIG, ConversationListed, ConversationsPublic, SnippetPart, searched_text
from app.services.conversations import LISTED_COLUMNS
from app.services.cursors import ID, REAL, TIMESTAMP, CursorFormat

_SEARCH = CursorFormat("search", (REAL, TIMESTAMP, ID))

# Where ts_headline marks a match: characters of Unicode's private use area, replaced by spaces in the text first,
# so that the marks are the only ones and the snippet needs no HTML (nor any escaping by clients).
_START, _STOP = "\ue000", "\ue001"
_MARKS = re.compile(f"[{_START}{_STOP}]")
# A short text (every title) is shown whole, every match marked. A longer one: one passage of up to twenty words
# around its best match, as one fragment, which ts_headline centres on the match (its default cover starts at the
# match, without the words before it); ShortWord=0, or it drops the short words at the passage's ends.
_WHOLE_CHARS = 200
_WHOLE = f"StartSel={_START}, StopSel={_STOP}, HighlightAll=true"
_PASSAGE = f"StartSel={_START}, StopSel={_STOP}, MaxFragments=1, MaxWords=20, MinWords=10, ShortWord=0"

_COLUMNS = ", ".join(f"conversation.{column.name}" for column in LISTED_COLUMNS)
_PAGE_COLUMNS = ", ".join(f"page.{column.name}" for column in LISTED_COLUMNS)

# Matches by conversation: the best of its title's and its messages' (the best message kept, for the snippet).
# Every match is ranked, as the order needs; the cursor then only picks where the page starts. A query of excluded
# words only ("-word", querytree 'T') matches nothing: it would match nearly every message, which no index can find.
_QUERY = """
WITH title_hits AS (
    SELECT conversation.id AS conversation_id, ts_rank(conversation.search_vector, query) AS rank,
           NULL::uuid AS message_id
    FROM conversation, websearch_to_tsquery('{config}', :q) AS query
    WHERE conversation.user_id = :user_id AND conversation.search_vector @@ query AND querytree(query) <> 'T'
), message_hits AS (
    SELECT DISTINCT ON (message.conversation_id) message.conversation_id,
           ts_rank(message.search_vector, query) AS rank, message.id AS message_id
    FROM message JOIN conversation ON conversation.id = message.conversation_id,
         websearch_to_tsquery('{config}', :q) AS query
    WHERE conversation.user_id = :user_id AND message.search_vector @@ query AND querytree(query) <> 'T'
    ORDER BY message.conversation_id, rank DESC, message.seq
), ranked AS (
    -- On a tie the title is the snippet.
    SELECT DISTINCT ON (conversation_id) conversation_id, rank, message_id
    FROM (SELECT * FROM title_hits UNION ALL SELECT * FROM message_hits) AS hits
    ORDER BY conversation_id, rank DESC, message_id NULLS FIRST
), page AS (
    SELECT {columns}, ranked.rank, ranked.message_id
    FROM ranked JOIN conversation ON conversation.id = ranked.conversation_id
    {after}
    ORDER BY ranked.rank DESC, conversation.updated_at DESC, conversation.id
    LIMIT :limit_and_one
)
-- The count with the page, in one snapshot, and a row of it alone when the page is empty.
SELECT counted.total, {page_columns}, page.rank,
       ts_headline('{config}', translate(matched.text, :marks, :spaces), query,
                   CASE WHEN length(matched.text) <= :whole_chars THEN :whole ELSE :passage END) AS headline
FROM (SELECT count(*) AS total FROM ranked) AS counted
CROSS JOIN websearch_to_tsquery('{config}', :q) AS query
LEFT JOIN page ON true
LEFT JOIN message ON message.id = page.message_id
CROSS JOIN LATERAL (SELECT CASE WHEN page.message_id IS NULL THEN {title} ELSE {content} END AS text) AS matched
ORDER BY page.rank DESC, page.updated_at DESC, page.id
"""
_AFTER = """
    WHERE ranked.rank < :after_rank
       OR (ranked.rank = :after_rank
           AND (conversation.updated_at < :after_updated_at
                OR (conversation.updated_at = :after_updated_at AND conversation.id > :after_id)))
"""


def _statement(after: str) -> sa.TextClause:
    sql = _QUERY.format(
        config=SEARCH_CONFIG,
        columns=_COLUMNS,
        page_columns=_PAGE_COLUMNS,
        after=after,
        # The text as it was indexed, so that the snippet marks what the vector matched.
        title=searched_text("page.title"),
        content=searched_text("message.content"),
    )
    constants = {
        "marks": _START + _STOP,
        "spaces": "  ",
        "whole_chars": _WHOLE_CHARS,
        "whole": _WHOLE,
        "passage": _PASSAGE,
    }
    statement = sa.text(sql).bindparams(*(sa.bindparam(name, value) for name, value in constants.items()))
    if after:
        # Compared as PostgreSQL computes ranks, as float4, of which the cursor's value is exact.
        statement = statement.bindparams(sa.bindparam("after_rank", type_=sa.REAL()))
    return statement


_FIRST_PAGE = _statement("")
_LATER_PAGE = _statement(_AFTER)


async def search(
    session: AsyncSession, user_id: uuid.UUID, q: str, limit: int, cursor: str | None
) -> ConversationsPublic:
    """A page of the caller's conversations that match ``q``, best match first, each with the snippet of where it
    matched; ``count`` is how many match in all. Words PostgreSQL ignores (such as "the") match nothing, and so do
    excluded words alone ("-word")."""
    statement, parameters = page_statement(user_id, q, limit, cursor)
    rows = (await session.execute(statement, parameters)).mappings().all()
    hits = [row for row in rows if row["id"] is not None]
    page = [ConversationListed.model_validate({**row, "snippet": snippet(row["headline"])}) for row in hits[:limit]]
    next_cursor = None
    if len(hits) > limit:
        last = hits[limit - 1]
        next_cursor = _SEARCH.encode((last["rank"], last["updated_at"], last["id"]), scope=q)
    return ConversationsPublic(data=page, count=rows[0]["total"], next_cursor=next_cursor)


def page_statement(user_id: uuid.UUID, q: str, limit: int, cursor: str | None) -> tuple[sa.TextClause, dict[str, Any]]:
    """The statement of a page of results and its parameters (benchmarks/search.py EXPLAINs it too). One more row
    than ``limit`` is asked for: whether it comes says whether there is a next page."""
    parameters: dict[str, Any] = {"user_id": user_id, "q": q, "limit_and_one": limit + 1}
    if cursor is None:
        return _FIRST_PAGE, parameters
    position = _SEARCH.decode(cursor, scope=q)
    parameters["after_rank"], parameters["after_updated_at"], parameters["after_id"] = position
    return _LATER_PAGE, parameters


def snippet(headline: str) -> list[SnippetPart]:
    """ts_headline's text as parts, the matched words flagged; its marks alternate, start and stop, as the text
    had none of its own. The space searched_text put after each "<" is taken out: it is in the same blank as its
    "<", so never in another part."""
    pieces = _MARKS.split(headline)
    return [
        SnippetPart(text=text.replace("< ", "<"), match=index % 2 == 1) for index, text in enumerate(pieces) if text
    ]
