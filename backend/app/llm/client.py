"""Builds the official OpenAI client from Settings: a real endpoint with a key, else the simulator."""

from openai import AsyncOpenAI

from app.core.config import Settings

# The simulator ignores the key, but the SDK insists on one.
SIMULATOR_API_KEY = "simulator"


def create_client(settings: Settings) -> AsyncOpenAI:
    if settings.openai_api_key is None:
        return AsyncOpenAI(api_key=SIMULATOR_API_KEY, base_url=str(settings.simulator_url), max_retries=0)
    base_url = str(settings.openai_base_url) if settings.openai_base_url else None
    return AsyncOpenAI(api_key=settings.openai_api_key.get_secret_value(), base_url=base_url, max_retries=0)
