"""RFC 9457 problem details for every error a service returns."""

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backstop_common.i18n import Text, current_language, msg, translate
from backstop_common.validation import validation_errors

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger()


class Problem(Exception):
    """Raise from a service or route; becomes ``application/problem+json``."""

    status = 400
    title: str | None = None

    def __init__(self, detail: Text, *, status: int | None = None, title: Text | None = None,
                 type_: str = "about:blank", **extensions: Any):
        super().__init__(str(detail))
        self.detail = detail
        self.status = status or self.status
        self.title = title or self.title or HTTPStatus(self.status).phrase
        self.type = type_
        self.extensions = extensions


class BadRequest(Problem):
    status = 400


class Unauthorized(Problem):
    status = 401


class Forbidden(Problem):
    status = 403


class NotFound(Problem):
    status = 404


class Conflict(Problem):
    status = 409


class PreconditionRequired(Problem):
    status = 428


class Unprocessable(Problem):
    status = 422


class Gone(Problem):
    """What was asked for is no longer kept (e.g. a sync cursor older than the tombstones' retention)."""

    status = 410


class TooManyRequests(Problem):
    """A rate limit was reached; ``retry_after`` seconds go out as the ``Retry-After`` header."""

    status = 429

    def __init__(self, detail: Text, *, retry_after: int, **extensions: Any):
        super().__init__(detail, retry_after=retry_after, **extensions)
        self.headers = {"Retry-After": str(retry_after)}


class NotYetSynchronised(Problem):
    """A decision on another service's data this service's read model may not hold yet (503, retry later)."""

    status = 503

    def __init__(self, detail: Text, *, retry_after: int = 5, **extensions: Any):
        super().__init__(detail, title=msg("Not synchronised yet"), retry_after=retry_after, **extensions)
        self.headers = {"Retry-After": str(retry_after)}


def problem_response(status: int, detail: Text, *, title: Text | None = None,
                     type_: str = "about:blank", instance: str | None = None, **ext: Any) -> JSONResponse:
    """The answer in the request's language (``i18n``): ``title`` and ``detail`` from the catalogue."""
    body = {"type": type_, "title": translate(title or HTTPStatus(status).phrase), "status": status,
            "detail": translate(detail)}
    if instance:
        body["instance"] = instance
    body.update({k: _localized(v) for k, v in ext.items()})
    headers = {"Content-Language": current_language(), "Vary": "Accept-Language"}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _localized(value: Any) -> Any:
    """An extension's ``msg`` texts, however deep (e.g. elimination's unmet conditions), in the request's language."""
    if isinstance(value, msg):
        return translate(value)
    if isinstance(value, list):
        return [_localized(v) for v in value]
    if isinstance(value, dict):
        return {k: _localized(v) for k, v in value.items()}
    return value


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        response = problem_response(exc.status, exc.detail, title=exc.title, type_=exc.type,
                                    instance=request.url.path, **exc.extensions)
        response.headers.update(getattr(exc, "headers", None) or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return problem_response(422, "The request is invalid; see errors.", instance=request.url.path,
                                errors=validation_errors(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return problem_response(exc.status_code, str(exc.detail), instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        response = database_problem(request, exc)
        if response is not None:
            return response
        log.exception("http.unhandled_error", path=request.url.path)
        return problem_response(500, "Internal error.", instance=request.url.path)


def database_problem(request: Request, exc: Exception) -> JSONResponse | None:
    """503 when the database is away, 422 when the client's value cannot be stored; None for anything else."""
    from backstop_common.db import is_bad_data, is_unavailable  # only a service with a database loads it

    if is_unavailable(exc):
        log.warning("http.database_unavailable", path=request.url.path, error=str(exc)[:200])
        response = problem_response(503, "The database is unavailable; retry shortly.", instance=request.url.path)
        response.headers["Retry-After"] = "1"
        return response
    if is_bad_data(exc):  # e.g. a NUL character or an out-of-range number that reached the database
        return problem_response(422, "A value cannot be stored (invalid characters or out of range).",
                                instance=request.url.path)
    return None


def install_database_problem_handlers(app: FastAPI) -> None:
    """The database's errors answered where the other problems are, by class.

    Starlette re-raises whatever reaches the catch-all ``Exception`` handler once it has answered, and uvicorn
    then closes the connection: a client reusing it (keep-alive) for its next request saw the connection drop
    (httpx.ReadError) while PostgreSQL restarted, instead of the next 503. Anything else still goes on to the
    catch-all's 500."""
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    async def _database(request: Request, exc: Exception):
        response = database_problem(request, exc)
        if response is None:
            raise exc
        return response

    for error in (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DBAPIError):
        app.add_exception_handler(error, _database)
