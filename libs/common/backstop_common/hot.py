"""Hot routes: a service's busiest requests served below FastAPI on their happy path (issue 18).

FastAPI's per-request work — routing over a hundred routes, solving the dependencies, validating and encoding
the answer, its exception and exit-stack layers — was ~1.5 of the 1.8 ms of CPU the household file took, and a
bare Starlette + asyncpg app did the same read in 0.4 ms (bench/RESULTS.md). A ``HotRoute`` names a route
FastAPI keeps (its OpenAPI, its validation, its problems) and a lean handler for the same request that the kernel
tries first, on a plain asyncpg connection:

- only for the route's own method and path, a signed-in caller whose token verifies (and who may write, for a
  write), and a request not sent with ``Idempotency-Key`` (that middleware holds its own transaction);
- the handler answers, or hands the request on — by returning ``None`` or raising anything (a problem, a
  validation error, the database away) before it commits: its transaction is rolled back and FastAPI answers the
  request as it always does, so every refusal keeps FastAPI's exact problem. Work is done twice only then.
- what the middleware does (request id, language, body limit, metrics and the request's log line by the route's
  template, CORS) runs around both alike.

A handler commits last, once its answer is built; a failure of the commit itself is not handed on (it may have
committed) but answered as FastAPI answers a database error. A write that is one statement may run without a
transaction (``HotRequest.writing``): that statement is its commit.

A write that has a set-based form may go through ``Gathered``: while a few of its kind are being written (its
``writers``, fewer than the hot connections), the writes that arrive wait together, and the first writer freed
writes them in one transaction — the more writes wait, the less each costs, so a service under a stream writes
it for less and one that fell behind (a slow moment at 500 writes a second) catches up instead of staying
behind (issue 18).
"""

import asyncio
import contextlib
import contextvars
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from backstop_common.auth import READ_ONLY_ROLES, Principal, decode_token, requests_no_areas
from backstop_common.db import DriverSession, is_unavailable
from backstop_common.idempotency import read_body, replay
from backstop_common.problems import Problem, database_problem
from backstop_common.uow import UnitOfWork

READS = ("GET", "HEAD", "OPTIONS")
_JSON = re.compile(r"^application/(.+\+)?json\s*(;|$)")


class Committed(Exception):
    """A handler's commit failed: the request is answered here, not handed to FastAPI (it may have committed)."""


@dataclass(frozen=True)
class HotRoute:
    """``serve`` tried before FastAPI's route ``method path`` (the path as the app has it, ``/api/v1/…``)."""

    method: str
    path: str
    serve: Callable[["HotRequest"], Awaitable[Response | None]]


class HotRequest:
    """What a hot handler gets: the caller, the path's parameters as text, the headers, the body, the app."""

    def __init__(self, scope, headers: Headers, principal: Principal, params: dict[str, str], body: bytes):
        self.scope, self.headers, self.principal, self.params, self.body = scope, headers, principal, params, body
        self.app = scope["app"]

    @property
    def path(self) -> str:
        return self.scope["path"]

    @property
    def method(self) -> str:
        return self.scope["method"]

    def json(self):
        """The body as FastAPI reads it (``json.loads``) for a JSON content type; None otherwise (hand it on)."""
        if not self.body or not _JSON.match(self.headers.get("content-type", "")):
            return None
        return json.loads(self.body)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[DriverSession]:
        """A connection without a transaction: each statement commits alone (one round trip for a read)."""
        async with self.app.state.hot_pool.acquire() as connection:
            yield DriverSession(connection)

    def _unit_of_work(self, session: DriverSession) -> UnitOfWork:
        state = self.app.state
        return UnitOfWork(session, state.settings.service_name, state.relay.wake, clock=state.clock)

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work for a write that is one statement after its reads: no transaction, the statement commits
        alone — BEGIN and COMMIT are two round trips fewer, each ~0.2 ms of the server's CPU (bench/RESULTS.md).
        A read locks nothing past itself, so the statement must write only at the version it read (and raise,
        having written nothing, otherwise: the request is handed on). A lost connection is answered, not handed
        on: the statement may have committed (``Committed``)."""
        async with self.app.state.hot_pool.acquire() as connection:
            try:
                yield self._unit_of_work(DriverSession(connection))
            except Exception as exc:
                if is_unavailable(exc):
                    raise Committed() from exc
                raise

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work on a connection in a transaction, rolled back unless the handler commits it."""
        async with self.app.state.hot_pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            session = DriverSession(connection, transaction)
            try:
                yield self._unit_of_work(session)
            finally:
                if session.open:
                    await session.rollback()


def _api_routes(app) -> Iterator[tuple[str, set[str], re.Pattern, APIRoute]]:
    """(full path, methods, path pattern, the route FastAPI puts in the request's scope) of every API route; an
    included router is kept whole by FastAPI and answers its routes with their prefixes (its route contexts)."""
    for route in app.router.routes:
        if isinstance(route, APIRoute):
            yield route.path, route.methods, route.path_regex, route
        for context in getattr(route, "effective_route_contexts", lambda: ())():
            if isinstance(context.original_route, APIRoute):
                yield context.path, context.methods, context.path_regex, context.original_route


def _bearer(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class HotRoutes:
    """Pure ASGI: the hot routes' dispatch, inside the kernel's middleware and the Idempotency layer."""

    def __init__(self, app, routes: list[HotRoute]):
        self.app, self.routes = app, routes
        self._table: dict[str, list[tuple[re.Pattern, HotRoute, APIRoute]]] | None = None

    def _build(self, fastapi_app) -> dict:
        """Each hot route beside FastAPI's own (the request's ``route`` as FastAPI sets it labels the metrics); one
        that takes an area (the area-in-scope check) or has no FastAPI route is a programming error."""
        table: dict[str, list] = {}
        routes = list(_api_routes(fastapi_app))
        for hot in self.routes:
            found = next(((regex, route) for path, methods, regex, route in routes
                          if path == hot.path and hot.method in methods), None)
            if found is None or not requests_no_areas(found[1]):
                raise RuntimeError(f"hot route {hot.method} {hot.path}: no such API route, or it takes an area")
            table.setdefault(hot.method, []).append((found[0], hot, found[1]))
        return table

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("state", {}).get("idempotency") is not None:
            return await self.app(scope, receive, send)
        if self._table is None:
            self._table = self._build(scope["app"])
        for pattern, hot, route in self._table.get(scope["method"], ()):
            found = pattern.match(scope["path"])
            if found:
                return await self._serve(scope, receive, send, hot, route, found.groupdict())
        await self.app(scope, receive, send)

    async def _serve(self, scope, receive, send, hot: HotRoute, route: APIRoute, params: dict) -> None:
        headers = Headers(scope=scope)
        principal = self._principal(scope, headers)
        if principal is None:
            return await self.app(scope, receive, send)
        body = await read_body(receive) if scope["method"] not in READS else b""
        try:
            response = await hot.serve(HotRequest(scope, headers, principal, params, body))
        except Committed as failed:
            response = database_problem(Request(scope), failed.__cause__)
            if response is None:
                raise failed.__cause__ from None
        except Exception:  # noqa: BLE001 — handed to FastAPI, which answers it as it always does
            response = None
        if response is None:
            return await self.app(scope, replay(body, receive), send)
        scope["route"] = route
        await response(scope, receive, send)

    @staticmethod
    def _principal(scope, headers: Headers) -> Principal | None:
        token = _bearer(headers)
        if token is None:
            return None
        try:
            principal = decode_token(scope["app"].state.settings, token)
        except Problem:
            return None
        return None if principal.role in READ_ONLY_ROLES and scope["method"] not in READS else principal


#: the most writes ``Gathered`` writes in one transaction: a slow moment's queue at 500 writes a second in two or
#: three (the batch route takes up to 2,000 a request)
GATHERED_MOST = 100


class Gathered:
    """One kind of hot write, written alone while few of its kind are under way and together while more wait.

    ``alone(request, write)`` is the write as one request does it; ``together(requests, writes)`` writes many in
    one transaction and answers each as ``alone`` would (a response, or None to hand that request to FastAPI), or
    raises for all (before its commit: every request handed on; ``Committed``: every one answered so). A write
    that finds ``writers`` of this kind under way (a connection each) waits (a future: no connection, no
    statement) until one of them ends; whoever ends takes everything waiting, up to ``most``, as one group — and
    writes a group smaller than ``least`` (at least 2) one after another alone: ``alone`` is the cheaper way to
    write one (e.g. two statements, no transaction), ``together`` pays a transaction and its statements once for
    the group. While fewer are under way nothing waits, so a write's latency at a quiet rate is ``alone``'s.
    ``writers(settings)`` and ``least(settings)`` read them from the app's settings (a service's own); without
    ``writers``, or more than the hot pool holds, the pool's size — writes wait only once every hot connection
    is taken. Each app has its own queue."""

    def __init__(self, alone: Callable[[HotRequest, Any], Awaitable[Response | None]],
                 together: Callable[[list[HotRequest], list[Any]], Awaitable[list[Response | None]]],
                 most: int = GATHERED_MOST, writers: Callable[[Any], int] | None = None,
                 least: Callable[[Any], int] | None = None):
        self.alone, self.together, self.most, self.writers, self.least_of = alone, together, most, writers, least

    def _writers(self, state) -> int:
        connections = state.hot_pool.get_max_size()
        return connections if self.writers is None else max(1, min(connections, self.writers(state.settings)))

    def _least(self, state) -> int:
        return 2 if self.least_of is None else max(2, self.least_of(state.settings))

    async def write(self, request: HotRequest, write: Any) -> Response | None:
        queues = getattr(request.app.state, "gathered", None)
        if queues is None:
            queues = request.app.state.gathered = {}
        queue = queues.get(self) or queues.setdefault(self, _Gathering(self, self._writers(request.app.state),
                                                                        self._least(request.app.state)))
        return await queue.write(request, write)


class _Gathering:
    """``Gathered``'s queue in one app: how many of its writers are under way, the writes waiting."""

    def __init__(self, kind: Gathered, writers: int, least: int = 2):
        self.kind, self.writers, self.least = kind, writers, least
        self.writing = 0  # this kind's writes under way (a connection each), alone or together
        #: each waiting write, its future and its request's context (its correlation id, its language)
        self.waiting: list[tuple[HotRequest, Any, asyncio.Future, contextvars.Context]] = []
        self.groups: set[asyncio.Task] = set()  # held: the loop keeps only a weak reference to a task

    async def write(self, request: HotRequest, write: Any) -> Response | None:
        if self.writing < self.writers:
            self.writing += 1
            try:
                return await self.kind.alone(request, write)
            finally:
                self._next()
        waiting = asyncio.get_running_loop().create_future()
        self.waiting.append((request, write, waiting, contextvars.copy_context()))
        return await waiting

    def _next(self) -> None:
        """A writer ended: the writes waiting (and not given up meanwhile), as one group, take its place."""
        live = [one for one in self.waiting if not one[2].done()]
        group, self.waiting = live[:self.kind.most], live[self.kind.most:]
        if not group:
            self.writing -= 1
            return
        task = asyncio.get_running_loop().create_task(self._group(group))
        self.groups.add(task)
        task.add_done_callback(self.groups.discard)

    async def _group(self, group: list[tuple[HotRequest, Any, asyncio.Future, contextvars.Context]]) -> None:
        try:
            if len(group) < self.least:
                await self._each_alone(group)
            else:
                answers = await self.kind.together([r for r, *_ in group], [w for _, w, *_ in group])
                for (_, _, waiting, _), answer in zip(group, answers, strict=True):
                    if not waiting.done():
                        waiting.set_result(answer)
        except Exception as exc:  # noqa: BLE001 — each request raises it, as it would have raised alone
            for _, _, waiting, _ in group:
                if not waiting.done():
                    waiting.set_exception(exc)
        finally:
            for _, _, waiting, _ in group:  # cancelled (the service stopping): so are its requests
                waiting.cancel()
            self._next()

    async def _each_alone(self, group: list[tuple[HotRequest, Any, asyncio.Future, contextvars.Context]]) -> None:
        """Too few to write together: one after another, each alone — its own answer, or its own error — and in its
        own request's context: what it publishes carries its request's correlation id, not the group's starter's."""
        for request, write, waiting, context in group:
            if waiting.done():  # given up meanwhile
                continue
            try:
                answer = await asyncio.get_running_loop().create_task(self.kind.alone(request, write), context=context)
            except Exception as exc:  # noqa: BLE001 — that request raises it, as it would have alone
                if not waiting.done():
                    waiting.set_exception(exc)
            else:
                if not waiting.done():
                    waiting.set_result(answer)


async def commit(uow: UnitOfWork) -> None:
    """The handler's last step: a failure here is answered, not handed on (``Committed``)."""
    try:
        await uow.commit()
    except Exception as exc:
        raise Committed() from exc
