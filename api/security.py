"""Response headers, the Host allow-list and rate limits: one ASGI middleware (issue 13).

* **Host allow-list** (``settings.allowed_hosts``, default the loopback names; ``*`` allows any):
  another ``Host`` gets a 400, so DNS rebinding cannot reach the loopback service;
* **rate limits** (:mod:`api.rate_limit`): 429 with ``Retry-After``;
* **headers** on every response: a CSP with ``script-src 'self'`` (the pages have no inline
  script, handler or style attribute; ``/docs`` gets a looser policy for Swagger UI's own
  bootstrap script), ``X-Content-Type-Options: nosniff``, ``frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer``, and ``Cache-Control: no-store``
  on everything but static files (API answers and pages may carry personal data).

The salt check (:func:`indexer.security.pseudonyms.require_secret_salt`) runs here too when
the app is built from the environment.
"""
from __future__ import annotations

from fastapi import FastAPI

from api.auth import SESSION_COOKIE
from api.errors import error_response
from api.rate_limit import RateLimiter, credential_key, request_cost
from indexer.security.pseudonyms import require_secret_salt
from indexer.settings import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
#: Swagger UI / ReDoc start with an inline script and may load their bundle from a CDN.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "object-src 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")

_COMMON = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"no-referrer"), (b"cross-origin-opener-policy", b"same-origin")]


def host_name(value: str) -> str:
    """``Host`` without port, lower case (``[::1]:8000`` -> ``::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class SecurityMiddleware:
    def __init__(self, app, allowed_hosts: tuple[str, ...], rate_limit_per_s: float, rate_limit_file=None,
                 salt: str = ""):
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts}
        self.limiter = RateLimiter(rate_limit_per_s, rate_limit_file, salt) if rate_limit_per_s > 0 else None

    async def _answer(self, scope, send, resp, extra: list[tuple[bytes, bytes]] = ()) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(resp.body)).encode()),
                   *extra, *self._headers(scope.get("path", ""))]
        await send({"type": "http.response.start", "status": resp.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": resp.body})

    @staticmethod
    def _headers(path: str) -> list[tuple[bytes, bytes]]:
        docs = path in DOCS_PATHS or path.startswith("/docs/")
        out = [(b"content-security-policy", (DOCS_CSP if docs else CSP).encode()), *_COMMON]
        if not path.startswith("/static/"):
            out.append((b"cache-control", b"no-store"))
        return out

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        if "*" not in self.allowed and host_name(headers.get(b"host", b"").decode("latin-1")) not in self.allowed:
            await self._answer(scope, send, error_response(400, "Onbekende hostnaam (Host); zie CMATCH_ALLOWED_HOSTS.",
                                                           code="bad_host"))
            return
        if self.limiter is not None:
            client = (scope.get("client") or ("?", 0))[0]
            wait = self.limiter.check(client, credential_key(headers, SESSION_COOKIE),
                                      request_cost(scope.get("method", "GET"), scope.get("path", "")))
            if wait:
                await self._answer(scope, send, error_response(
                    429, f"Te veel aanvragen; probeer het over {wait} s opnieuw.", code="rate_limited"),
                    [(b"retry-after", str(wait).encode())])
                return
        path = scope.get("path", "")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in self._headers(path) if k not in names]]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security(app: FastAPI, settings: Settings, *, check_salt: bool) -> None:
    """Add :class:`SecurityMiddleware` as the outermost layer; ``check_salt``: refuse to build
    the app without a secret pseudonym salt outside dev mode."""
    if check_salt:
        require_secret_salt(settings)
    app.add_middleware(SecurityMiddleware, allowed_hosts=settings.allowed_hosts,
                       rate_limit_per_s=settings.rate_limit_per_s, rate_limit_file=settings.rate_limit_file,
                       salt=settings.pseudonym_salt)
