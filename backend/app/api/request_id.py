"""A request id on every API request: bound to each log line the request causes, and sent back as ``X-Request-ID``.

A well-formed incoming ``X-Request-ID`` (from a load balancer, a proxy or the client; app/core/logs.py says which
are) is kept, so that the id a client or the edge logged finds the API's and the worker's lines; any other is
replaced by a fresh one, so that a client cannot write what it likes into the logs.

Pure ASGI, as app/api/security_headers.py and for the same reason: a stream's events pass through one comparison.
"""

import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import logs

HEADER = "X-Request-ID"
_HEADER = HEADER.lower().encode()


def _incoming(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _HEADER:
            text = value.decode("latin-1")
            return text if logs.valid_request_id(text) else None
    return None


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming(scope) or uuid.uuid4().hex
        # For the rest of the request's task, not just this call: see logs.bind.
        logs.bind(request_id=request_id)
        header = (_HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        await self.app(scope, receive, send_with_id)
