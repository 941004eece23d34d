"""BodyLimitMiddleware in front of a FastAPI route that reads a JSON body, over real HTTP: a body of the
limit's size passes, one byte more is a JSON 413, whether its length is declared or it comes chunked."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from app.api.body_limit import BodyLimitMiddleware
from app.api.errors import install_error_handlers
from tests.local_server import serving

LIMIT = 1000


class Echo(BaseModel):
    text: str


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(body: Echo) -> Echo:
        return body

    app.add_middleware(BodyLimitMiddleware, max_bytes=LIMIT)
    install_error_handlers(app)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with serving(_app()) as local, httpx.AsyncClient(base_url=local.url) as http:
        yield http


def _body(size: int) -> bytes:
    body = b'{"text": "' + b"x" * (size - 12) + b'"}'
    assert len(body) == size
    return body


async def _in_chunks(body: bytes) -> AsyncIterator[bytes]:
    # Several chunks, so that the limit is passed in the middle of the body rather than at its first chunk.
    for start in range(0, len(body), 300):
        yield body[start : start + 300]


@pytest.mark.parametrize("chunked", [False, True], ids=["declared length", "chunked"])
async def test_a_body_of_the_limit_passes_and_one_byte_more_is_413(client: httpx.AsyncClient, chunked: bool) -> None:
    for size, expected in [(LIMIT, 200), (LIMIT + 1, 413)]:
        body = _body(size)
        request = client.build_request(
            "POST", "/echo", content=_in_chunks(body) if chunked else body, headers={"content-type": "application/json"}
        )
        assert ("content-length" in request.headers) is not chunked
        response = await client.send(request)
        assert response.status_code == expected, (size, response.text)
        if expected == 413:
            assert response.json() == {"detail": f"request body exceeds {LIMIT} bytes"}


async def test_a_small_body_after_an_oversized_one_on_the_same_connection_passes(client: httpx.AsyncClient) -> None:
    oversized = client.build_request("POST", "/echo", content=_in_chunks(_body(3 * LIMIT)))
    assert (await client.send(oversized)).status_code == 413
    response = await client.post("/echo", json={"text": "hi"})
    assert response.status_code == 200
    assert response.json() == {"text": "hi"}
