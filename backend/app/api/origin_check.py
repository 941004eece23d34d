"""CSRF defence: a state-changing request authenticated by the session cookie must come from the web app.

Browsers send ``Origin`` with every cross-origin request and every same-origin POST, PATCH and DELETE, and a page
cannot forge it. So an unsafe request is refused (403) when its Origin is neither one of CORS_ORIGINS, the web
app's origins, nor the API's own (its Host: the /docs page), and when it carries the session cookie without any
Origin at all. Requests with ``Authorization: Bearer``
and no foreign Origin pass: a browser never adds that header by itself, and a foreign page cannot add it without a
CORS preflight, which fails. SameSite=Lax on the cookie is the second line: a cross-site POST does not carry it.
"""

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class OriginCheckMiddleware:
    def __init__(self, app: ASGIApp, *, allowed_origins: list[str], session_cookie_name: str) -> None:
        self.app = app
        self.allowed = frozenset(origin.rstrip("/") for origin in allowed_origins)
        self.cookie_prefix = f"{session_cookie_name}=".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        body = orjson.dumps({"detail": refusal})
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _refusal(self, scope: Scope) -> str | None:
        origin = host = None
        has_bearer = has_cookie = False
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"host":
                host = value
            elif name == b"authorization":
                has_bearer = value[:7].lower() == b"bearer "
            elif name == b"cookie":
                has_cookie = has_cookie or any(
                    part.strip().startswith(self.cookie_prefix) for part in value.split(b";")
                )
        if origin is not None:
            if origin.decode("latin-1").rstrip("/") in self.allowed or _same_host(origin, host):
                return None
            return "cross-site request refused: this origin may not change anything here"
        if has_cookie and not has_bearer:
            return "cross-site request refused: a request signed in by cookie must come with an Origin header"
        return None


def _same_host(origin: bytes, host: bytes | None) -> bool:
    # A page of the API's own origin (behind a TLS proxy the schemes may differ, the host and port do not).
    return host is not None and origin.partition(b"://")[2] == host
