from collections.abc import Callable
from typing import Any

import pytest
from pydantic import AnyUrl

from app.core.config import Settings
from app.llm.client import create_client
from app.llm.model import ChatModel
from tests.conftest import Stack

ModelFactory = Callable[..., ChatModel]


@pytest.fixture
def make_model(stack: Stack) -> ModelFactory:
    """A ChatModel on the official SDK, talking to the test stack's simulator, with settings overridden."""

    def make(**overrides: Any) -> ChatModel:
        settings = Settings(simulator_url=AnyUrl(f"{stack.simulator_url}/v1"), **overrides)
        return ChatModel(create_client(settings), settings)

    return make
