"""Security headers on every API response, and the API's docs pages with a Content-Security-Policy they work under.

The API serves JSON and Server-Sent Events, never a page of its own (but /docs and /redoc), so its policy is the
strictest there is: ``default-src 'none'; frame-ancestors 'none'``. A response that sets its own
Content-Security-Policy keeps it; the docs pages below do. ``Cross-Origin-Resource-Policy: same-site`` only
concerns no-cors loads (``<img>``, ``<script>``, ``<link>``): the web app's ``fetch`` calls are CORS requests, which
CORP does not apply to, so it is the web app's own site that may still embed an API response, and no other.
HSTS goes only on responses to HTTPS requests (scope scheme ``https``: behind a TLS proxy, uvicorn sets it from
X-Forwarded-Proto for the addresses in FORWARDED_ALLOW_IPS); browsers ignore it over plain HTTP anyway.

Pure ASGI, and the headers are added once, at ``http.response.start``: a stream's events pass through one
function call that compares a string and hands the message on, untouched.

Errors that reach Starlette's outermost error middleware (the 500 "internal error") are sent around every
middleware and carry none of these; their body is a fixed JSON sentence.
"""

import base64
import hashlib
import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=63072000; includeSubDomains"

_CSP = b"content-security-policy"
_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-site"),
)
_HTTPS_HEADERS = (*_HEADERS, (b"strict-transport-security", HSTS.encode()))


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, csp: str = API_CSP) -> None:
        self.app = app
        self.csp = (_CSP, csp.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _HTTPS_HEADERS if scope.get("scheme") == "https" else _HEADERS
        csp = self.csp

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name.lower() == _CSP for name, _ in headers):
                    headers.append(csp)
                headers.extend(extra)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The docs pages: FastAPI's own HTML, which loads Swagger UI or ReDoc from jsDelivr and the favicon from FastAPI's
# site, and fetches /openapi.json; ReDoc also loads its fonts from Google Fonts and its "API docs by Redocly" logo
# from its own CDN. Swagger UI is started by an inline script, allowed by its hash, computed from the page as sent.
# ReDoc's styles need 'unsafe-inline': its page has an inline <style> and it adds its styles at run time through
# styled-components, with no nonce to give them (without it ReDoc does not render at all); it runs its search in a
# worker made from a blob: URL. Swagger UI needs neither.
_CDN = "https://cdn.jsdelivr.net"
_FAVICON = "https://fastapi.tiangolo.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _docs_csp(
    html: str, *, script: str, style: str, img: str = _FAVICON, font: str = "'none'", worker: str = "'none'"
) -> str:
    scripts = [script]
    scripts += (
        f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
        for code in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src {' '.join(scripts)}; style-src {style}; "
        f"img-src 'self' data: {img}; font-src {font}; connect-src 'self'; worker-src {worker}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _text(body: bytes | memoryview) -> str:
    return bytes(body).decode()


def _page(html: str, csp: str) -> HTMLResponse:
    return HTMLResponse(html, headers={"content-security-policy": csp})


def install_api_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc (ReDoc), in place of FastAPI's own (create the app with ``docs_url=None,
    redoc_url=None``), each with its page's policy. No OAuth2 redirect page: the API has no OAuth2 flow."""
    openapi_url = app.openapi_url
    assert openapi_url is not None, "the docs pages need the OpenAPI document"

    async def swagger_ui(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "").rstrip("/")
        html = _text(
            get_swagger_ui_html(
                openapi_url=root_path + openapi_url,
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=None,
                swagger_ui_parameters=app.swagger_ui_parameters,
            ).body
        )
        return _page(html, _docs_csp(html, script=_CDN, style=_CDN))

    async def redoc(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "").rstrip("/")
        html = _text(get_redoc_html(openapi_url=root_path + openapi_url, title=f"{app.title} - ReDoc").body)
        csp = _docs_csp(
            html,
            script=_CDN,
            style="https://fonts.googleapis.com 'unsafe-inline'",
            img=f"{_FAVICON} https://cdn.redoc.ly",
            font="https://fonts.gstatic.com",
            worker="blob:",
        )
        return _page(html, csp)

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
