from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import AnyUrl

from app.core.config import Settings
from app.llm.client import create_client
from app.llm.model import ChatModel
from tests.conftest import Stack

ModelFactory = Callable[..., ChatModel]


@pytest.fixture
async def make_model(stack: Stack) -> AsyncIterator[ModelFactory]:
    """A ChatModel on the official SDK, talking to the test stack's simulator, with settings overridden."""
    made: list[ChatModel] = []

    def make(**overrides: Any) -> ChatModel:
        settings = Settings(simulator_url=AnyUrl(f"{stack.simulator_url}/v1"), **overrides)
        made.append(ChatModel(create_client(settings), settings))
        return made[-1]

    yield make
    for model in made:
        await model.close()
