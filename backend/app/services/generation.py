"""One assistant answer, start to finish: stream the model into Redis, then persist, then announce the end.

The order at the end matters: the final message is committed to PostgreSQL before the terminal event
is published, so a client that sees ``done`` and reloads the conversation always finds the answer.
"""

import logging
import uuid

import openai
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.llm.model import ChatModel, ModelStreamError
from app.models import Message, MessageStatus, utcnow
from app.services import history
from app.streaming.events import EventKind, content_data, done_data, error_data, reasoning_data
from app.streaming.store import EventStore

logger = logging.getLogger(__name__)


class GenerationService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: EventStore,
        model: ChatModel,
        settings: Settings,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._model = model
        self._settings = settings

    async def generate(self, message_id: uuid.UUID) -> None:
        async with self._sessions() as session:
            message = await session.get(Message, message_id)
            if message is None or message.status is not MessageStatus.PENDING or message.task_id is None:
                # Deleted meanwhile, or a duplicate delivery of a task already taken: nothing to do.
                logger.info("generation %s skipped: message missing or not pending", message_id)
                return
            task_id = message.task_id
            turns = await history.turns_before(session, message)
            message.status = MessageStatus.STREAMING
            message.model = self._model.label
            message.simulated = self._settings.simulated
            message.updated_at = utcnow()
            await session.commit()

        content: list[str] = []
        reasoning: list[str] = []
        try:
            async for delta in self._model.stream(turns):
                if delta.kind is EventKind.CONTENT:
                    content.append(delta.text)
                    await self._store.append(task_id, EventKind.CONTENT, content_data(delta.text))
                else:
                    reasoning.append(delta.text)
                    await self._store.append(task_id, EventKind.REASONING, reasoning_data(delta.text))
        except Exception as error:
            reason = _describe(error)
            logger.warning("generation %s failed: %s", task_id, reason, exc_info=not _is_expected(error))
            await self._finish(message_id, MessageStatus.FAILED, "".join(content), "".join(reasoning), reason)
            await self._store.append(task_id, EventKind.ERROR, error_data(reason))
            return
        await self._finish(message_id, MessageStatus.COMPLETED, "".join(content), "".join(reasoning), None)
        await self._store.append(task_id, EventKind.DONE, done_data(MessageStatus.COMPLETED.value))

    async def _finish(
        self, message_id: uuid.UUID, status: MessageStatus, content: str, reasoning: str, error: str | None
    ) -> None:
        async with self._sessions() as session:
            message = await session.get(Message, message_id)
            if message is None:
                logger.info("generation %s finished after its conversation was deleted", message_id)
                return
            message.status = status
            message.content = content
            message.reasoning = reasoning
            message.error = error
            message.updated_at = utcnow()
            await session.commit()


def _is_expected(error: Exception) -> bool:
    return isinstance(error, openai.APIError | ModelStreamError)


def _describe(error: Exception) -> str:
    """A message fit for the user: the model's own words when it gave any, never a stack trace."""
    if isinstance(error, openai.APIStatusError):
        return f"the model service answered {error.status_code}: {error.message}"
    if isinstance(error, openai.APIConnectionError):
        return "could not reach the model service"
    if isinstance(error, openai.APIError | ModelStreamError):
        return f"the model failed: {error}"
    return "the answer failed because of an internal error"
