"""One simulator process for the whole session, reached over real HTTP by the official SDK and by raw httpx."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from openai import AsyncOpenAI

from .process import RunningSimulator, running_simulator


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    with running_simulator() as running:
        yield running


@pytest_asyncio.fixture
async def openai_client(simulator: RunningSimulator) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=simulator.api_url, api_key="sim", max_retries=0) as client:
        yield client


@pytest_asyncio.fixture
async def http(simulator: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=simulator.base_url, timeout=30.0) as client:
        yield client
