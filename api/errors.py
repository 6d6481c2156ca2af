"""One error shape for every failure: ``{"error": {"code", "message", "details"}}``; no stack traces.

* 422 — validation errors, each detail with the field path (``loc``), e.g. ``["body", "portfolio", "competences", "0"]``;
* 404, 405, 409, 413, 415 — the same shape with a Dutch message;
* 413 also comes from :class:`BodySizeLimit` before the body is parsed (``MAX_BODY_BYTES``);
* anything unexpected — 500 with a generic message; the traceback goes to the log only.

Browsers asking for an HTML page that does not exist get a small Dutch HTML page instead of JSON.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


log = logging.getLogger(__name__)

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
          415: "unsupported_media_type", 422: "validation_error", 503: "unavailable"}

#: Largest request body accepted (bytes); bulk import endpoints get ``MAX_IMPORT_BYTES``.
MAX_BODY_BYTES = 256 * 1024
MAX_IMPORT_BYTES = 8 * 1024 * 1024
#: Longest free text accepted in any text field (CV, vacancy text): longer gets a 422.


class ApiError(Exception):
    """Raise from a route to answer in the one error shape (e.g. a 422 with field paths)."""

    def __init__(self, status: int, message: str, details: list[dict] | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.details, self.code = status, message, details or [], code


#: Error bodies are capped: at most this many details, each string this long (a huge or deeply
#: wrong request cannot make an error answer large, nor echo its input back).
MAX_ERROR_DETAILS = 50
MAX_ERROR_TEXT = 300


def _clip(value):
    if isinstance(value, str):
        return value if len(value) <= MAX_ERROR_TEXT else value[:MAX_ERROR_TEXT] + "…"
    if isinstance(value, list):
        return [_clip(v) for v in value[:20]]
    if isinstance(value, dict):
        return {k: _clip(v) for k, v in list(value.items())[:20]}
    return value


def error_body(status: int, message: str, details: list[dict] | None = None, code: str | None = None) -> dict:
    details = details or []
    capped = [_clip(d) for d in details[:MAX_ERROR_DETAILS]]
    if len(details) > MAX_ERROR_DETAILS:
        capped.append({"loc": [], "msg": f"en nog {len(details) - MAX_ERROR_DETAILS} fouten", "type": "truncated"})
    return {"error": {"code": code or _CODES.get(status, "error"), "message": _clip(message), "details": capped}}


def error_response(status: int, message: str, details: list[dict] | None = None, code: str | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=error_body(status, message, details, code))


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path in ("/health", "/openapi.json"):
        return False
    return "text/html" in request.headers.get("accept", "")


_NOT_FOUND_HTML = """<!doctype html><html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Pagina niet gevonden — Competentiematch</title>
<link rel="stylesheet" href="/static/app.css"></head><body><main id="inhoud" class="wrap">
<h1>Pagina niet gevonden</h1><p>Deze pagina bestaat niet. <a href="/">Terug naar de startpagina</a>.</p></main></body></html>"""


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                   for e in exc.errors()]
        return error_response(422, "De aanvraag is ongeldig; zie 'details' voor de velden.", details)

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        resp = error_response(exc.status, exc.message, exc.details, exc.code)
        if exc.status == 401:
            resp.headers["WWW-Authenticate"] = "Bearer"
        return resp

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404 and _wants_html(request):
            return HTMLResponse(_NOT_FOUND_HTML, status_code=404)
        message = exc.detail if isinstance(exc.detail, str) else "Fout"
        if exc.status_code == 404 and message == "Not Found":
            message = "Niet gevonden."
        elif exc.status_code == 405 and message == "Method Not Allowed":
            message = "Deze methode is hier niet toegelaten."
        return error_response(exc.status_code, message)

    @app.exception_handler(RecursionError)
    async def _too_deep(_: Request, exc: RecursionError) -> JSONResponse:
        return error_response(422, "De aanvraag is te diep genest.")

    @app.exception_handler(FileNotFoundError)
    async def _not_built(_: Request, exc: FileNotFoundError) -> JSONResponse:
        log.warning("not built: %s", exc)
        return error_response(503, "De dienst is nog niet klaar: de index of het model ontbreekt "
                                   "('make setup' of 'cmatch index build').")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "Er liep iets mis aan onze kant. Probeer het later opnieuw.", code="internal_error")


class BodySizeLimit:
    """ASGI middleware: a request body over the limit gets a 413 in the one error shape.

    Checks ``Content-Length`` first, then counts the bytes actually received (chunked bodies),
    buffering at most the limit, so an oversized body is never handed to a route.
    """

    def __init__(self, app, max_bytes: int = MAX_BODY_BYTES, import_bytes: int = MAX_IMPORT_BYTES):
        self.app = app
        self.max_bytes = max_bytes
        self.import_bytes = import_bytes

    def _limit(self, path: str) -> int:
        return self.import_bytes if path.endswith("/import") else self.max_bytes

    async def _reject(self, send, limit: int) -> None:
        resp = error_response(413, f"De aanvraag is te groot (hoogstens {limit // 1024} kB).")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(resp.body)).encode())]})
        await send({"type": "http.response.body", "body": resp.body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._reject(send, limit)
                    return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await self._reject(send, limit)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replay = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        sent = False

        async def replay_receive():
            nonlocal sent
            if not sent:
                sent = True
                return replay
            return await receive()

        await self.app(scope, replay_receive, send)
