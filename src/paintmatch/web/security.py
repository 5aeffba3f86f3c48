"""Request checks before any route runs: token, Host and Origin headers, body size.

A pure ASGI middleware (written by hand: Starlette has no body-size limit and its TrustedHost
middleware cannot express "loopback names only when there is no token").

- With a token: every request carries it (``X-Paintmatch-Token`` header or ``paintmatch_token``
  cookie), except ``GET /?token=...``, which checks it, sets the cookie and redirects to ``/``.
- Without a token (loopback only): the Host header must name the loopback interface, so a web page
  cannot reach the server through DNS rebinding.
- Changing requests (POST, PUT, DELETE, PATCH) from a browser must come from the server's own page
  (``Origin`` equal to the host), so another site cannot post forms to it.
- Request bodies need a ``Content-Length`` within the limit (the upload route has its own, larger one).
"""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from paintmatch.web.config import LOOPBACK_NAMES, ServeConfig

__all__ = ["SecurityMiddleware", "TOKEN_HEADER", "TOKEN_COOKIE", "SMALL_BODY_LIMIT"]

TOKEN_HEADER = "x-paintmatch-token"
TOKEN_COOKIE = "paintmatch_token"
SMALL_BODY_LIMIT = 1024 * 1024
UNSAFE_METHODS = ("POST", "PUT", "DELETE", "PATCH")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _host_name(host: str) -> str:
    """``"127.0.0.1:8000"`` -> ``"127.0.0.1"``, ``"[::1]:80"`` -> ``"::1"``."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class SecurityMiddleware:
    """Wraps the app; see the module docstring for the rules.

    Parameters
    ----------
    app : ASGI app
    config : ServeConfig
    upload_paths : tuple of str
        Paths whose POST bodies may be up to ``config.max_request_bytes``.
    """

    def __init__(self, app: Any, config: ServeConfig, upload_paths: tuple[str, ...] = ("/api/cuts",)):
        self.app = app
        self.config = config
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope["method"]
        path = scope["path"]
        host = headers.get("host", "")
        token = self.config.token
        if token is None and _host_name(host).lower() not in LOOPBACK_NAMES:
            await _reply(send, 403, "bad_host", f"Host {host!r} refused: without a token the server answers only to localhost/127.0.0.1")
            return
        if method in UNSAFE_METHODS and "origin" in headers:
            origin = urlsplit(headers["origin"]).netloc
            if origin != host:
                await _reply(send, 403, "cross_origin", f"request from another site ({headers['origin']}) refused")
                return
        if token is not None:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given = headers.get(TOKEN_HEADER) or _cookie(headers.get("cookie", ""), TOKEN_COOKIE)
            if method == "GET" and path == "/" and "token" in query:
                if hmac.compare_digest(query["token"][0].encode(), token.encode()):
                    await _redirect_with_cookie(send, token)
                    return
                await _reply(send, 401, "bad_token", "wrong token in the address")
                return
            if given is None or not hmac.compare_digest(given.encode(), token.encode()):
                await _reply(
                    send,
                    401,
                    "token_required",
                    "this server needs its token: send the X-Paintmatch-Token header, or open /?token=... once in the browser",
                )
                return
        if method in UNSAFE_METHODS:
            limit = self.config.max_request_bytes if (method == "POST" and path in self.upload_paths) else SMALL_BODY_LIMIT
            length = headers.get("content-length")
            if length is None:
                if "transfer-encoding" in headers:
                    await _reply(send, 411, "length_required", "send the request with a Content-Length header (chunked bodies are refused)")
                    return
            elif not length.isdigit() or int(length) > limit:
                await _reply(send, 413, "request_too_large", f"request body of {length} bytes is over the limit of {limit:,} bytes")
                return
        await self.app(scope, receive, send)


def _cookie(header: str, name: str) -> str | None:
    cookie = SimpleCookie()
    try:
        cookie.load(header)
    except Exception:  # a malformed Cookie header is simply no cookie
        return None
    return cookie[name].value if name in cookie else None


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"detail": message, "code": code}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _redirect_with_cookie(send: Send, token: str) -> None:
    cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")
    await send({"type": "http.response.start", "status": 303, "headers": [(b"location", b"/"), (b"set-cookie", cookie), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
