"""The models a conversation may pick: OPENAI_MODELS when it is set, else what the model service's own
``GET /v1/models`` lists, else the default model alone; the default (OPENAI_MODEL) always first.

The listing is asked for at most every LISTING_SECONDS (a failed ask again after RETRY_SECONDS), so the picker costs
the model service nothing per request. OpenAI's own listing names every model it has, embeddings and speech
included: with it, set OPENAI_MODELS to the chat models to offer.
"""

import asyncio
import logging
import time

import openai
from openai import AsyncOpenAI

from app.core.config import Settings

logger = logging.getLogger(__name__)

LISTING_SECONDS = 300.0
RETRY_SECONDS = 30.0
# A listing that does not come back this fast is not waited for: the default model is offered meanwhile.
_ASK_SECONDS = 5.0


class ModelCatalog:
    def __init__(self, settings: Settings, client: AsyncOpenAI) -> None:
        self._settings = settings
        self._client = client
        self._listed: list[str] = []
        self._asked_at: float | None = None
        self._fresh_for = 0.0
        self._asking = asyncio.Lock()

    @property
    def default(self) -> str:
        return self._settings.openai_model

    async def offered(self) -> list[str]:
        if self._settings.openai_models:
            return _with_default_first(self.default, self._settings.openai_models)
        async with self._asking:
            now = time.monotonic()
            if self._asked_at is None or now - self._asked_at >= self._fresh_for:
                self._listed, self._fresh_for = await self._ask(), LISTING_SECONDS
                if not self._listed:
                    self._fresh_for = RETRY_SECONDS
                self._asked_at = now
        return _with_default_first(self.default, self._listed)

    async def _ask(self) -> list[str]:
        try:
            async with asyncio.timeout(_ASK_SECONDS):
                page = await self._client.models.list()
        except (openai.OpenAIError, TimeoutError) as error:
            logger.warning("the model service's model listing is unavailable (%r); offering the default model", error)
            return []
        return [model.id for model in page.data]

    async def close(self) -> None:
        await self._client.close()


def _with_default_first(default: str, models: list[str]) -> list[str]:
    return list(dict.fromkeys([default, *models]))
