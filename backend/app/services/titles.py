"""Names an untitled conversation after its first answer, by asking the model for a short title.

A title the user gave (or renamed to meanwhile) is never overwritten: the update only applies while the
conversation is still untitled. Clients see the title in the conversation listing.
"""

import logging
import re
import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.llm.deltas import ChatTurn
from app.llm.model import ChatModel
from app.models import Conversation, Message, MessageRole, MessageStatus

logger = logging.getLogger(__name__)

TITLE_INSTRUCTIONS = (
    "Write a title of at most six words for the conversation below. Answer with the title only: "
    "no quotes, no punctuation at the end."
)
MAX_TITLE_TOKENS = 24
MAX_TITLE_CHARS = 60
# Straight and typographic quotes a model may wrap a title in.
_QUOTES = "\"'\u201c\u201d\u2018\u2019"
# Enough of the exchange to know what it is about.
_EXCERPT_CHARS = 1500


class TitleService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], model: ChatModel) -> None:
        self._sessions = sessions
        self._model = model

    async def title(self, conversation_id: uuid.UUID) -> str | None:
        """Store and return a generated title; None when there is nothing to do or nothing usable came back."""
        async with self._sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None or conversation.title is not None:
                return None
            exchange = await _first_exchange(session, conversation_id)
        if exchange is None:
            return None
        question, answer = exchange
        prompt = f"User: {question[:_EXCERPT_CHARS]}\n\nAssistant: {answer[:_EXCERPT_CHARS]}"
        title = clean_title(
            await self._model.complete(
                [ChatTurn("system", TITLE_INSTRUCTIONS), ChatTurn("user", prompt)], MAX_TITLE_TOKENS
            )
        )
        if not title:
            logger.info("conversation %s: the model gave no usable title", conversation_id)
            return None
        async with self._sessions() as session:
            stored = await session.exec(
                update(Conversation)
                .where(col(Conversation.id) == conversation_id, col(Conversation.title).is_(None))
                .values(title=title)
                .returning(col(Conversation.id))
            )
            applied = stored.scalar_one_or_none() is not None
            await session.commit()
        return title if applied else None


async def _first_exchange(session: AsyncSession, conversation_id: uuid.UUID) -> tuple[str, str] | None:
    messages = await session.exec(
        select(Message).where(Message.conversation_id == conversation_id).order_by(col(Message.seq)).limit(8)
    )
    question = answer = None
    for message in messages:
        if message.role is MessageRole.USER and question is None:
            question = message.content
        elif message.role is MessageRole.ASSISTANT and message.status is MessageStatus.COMPLETED and question:
            answer = message.content
            break
    return (question, answer) if question and answer else None


def clean_title(raw: str) -> str:
    """One line, no Markdown or quotes around it, cut at a word boundary."""
    line = next((line for line in raw.splitlines() if line.strip()), "")
    line = re.sub(r"^[#>*\-\s]+|[*_`]", "", line).strip().strip(_QUOTES).rstrip(".:;,!").strip()
    if len(line) <= MAX_TITLE_CHARS:
        return line
    cut = line[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(".:;,!- \u2013") + "\u2026"
