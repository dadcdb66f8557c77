"""Safe retries: a POST with ``Idempotency-Key`` is answered once; a repeat within 24 h gets the same answer.

A phone that loses its signal mid-POST does not know whether its visit was recorded; it sends the same
request with the same key again. The middleware holds the request's transaction: the route's
``uow.commit()`` only flushes (``UnitOfWork(defer_to=...)``), and once the route has answered, the key,
a hash of the request and the answer (status, content type, body) are written in that same transaction
and committed with the effect — a crash in between loses both, never one. A repeat waits for the first
(a transaction-scoped advisory lock on the key), then is answered from the stored record without
running the route; the same key with a different request (method, path, query, body) is a 422.

Keys belong to the caller (the token's subject): two clients choosing the same key never see each
other's answers. A request that did not commit (refused, invalid, failed) stores nothing, so it can be
retried as it was. Records older than 24 h are ignored and replaced, and purged by a background job every
service runs (``purge``, every ``idempotency_purge_interval_s``).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from sqlalchemy import delete, func, select, text
from starlette.datastructures import Headers

from backstop_common.auth import decode_token
from backstop_common.i18n import msg
from backstop_common.jobs import Sweep
from backstop_common.messaging_models import IdempotencyRecord
from backstop_common.problems import Problem, problem_response

log = structlog.get_logger()
HEADER = "idempotency-key"
REPLAYED = "Idempotent-Replayed"
KEEP = timedelta(hours=24)
KEY_DESCRIPTION = ("Idempotency-Key: a repeat with the same key and body within 24 h returns the first answer "
                   "and changes nothing; the same key with another body is a 422.")


@dataclass
class Held:
    """The transaction a keyed request runs in; ``committed`` once the route asked to commit."""

    session: object
    committed: bool = False
    wakes: list = field(default_factory=list)


def _subject(scope) -> str | None:
    auth = Headers(scope=scope).get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return None
    try:
        return decode_token(scope["app"].state.settings, auth[7:].strip()).subject
    except Problem:
        return None


def _valid(key: str) -> bool:
    return 0 < len(key) <= 255 and key.isascii() and key.isprintable() and " " not in key


async def read_body(receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _digest(scope, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        h.update(part.encode() + b"\0")
    h.update(body)
    return h.hexdigest()


class Idempotency:
    """Pure ASGI middleware for every ``POST /api/...`` that carries ``Idempotency-Key``."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        key = Headers(scope=scope).get(HEADER) if scope["type"] == "http" else None
        if key is None or scope["method"] != "POST" or not scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        if not _valid(key):
            return await problem_response(
                400, msg("Idempotency-Key must be 1 to 255 visible ASCII characters"),
                instance=scope["path"])(scope, receive, send)
        subject = _subject(scope)
        if subject is None:  # no valid token: the route answers 401 and nothing is stored
            return await self.app(scope, receive, send)
        body = await read_body(receive)
        await self._keyed(scope, send, subject, key, _digest(scope, body), replay(body, receive))

    async def _keyed(self, scope, send, subject: str, key: str, digest: str, receive) -> None:
        app = scope["app"]
        async with app.state.sessions() as session:
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                                  {"k": f"{subject}\n{key}"})
            found = (await session.execute(select(
                IdempotencyRecord.request_hash, IdempotencyRecord.status, IdempotencyRecord.content_type,
                IdempotencyRecord.body).where(
                IdempotencyRecord.subject == subject, IdempotencyRecord.key == key,
                IdempotencyRecord.created_at > func.now() - KEEP))).one_or_none()
            if found is not None:
                await session.rollback()
                return await _answer_again(scope, send, found, key, digest)
            held = Held(session)
            scope.setdefault("state", {})["idempotency"] = held
            answer = _Answer()
            try:
                await self.app(scope, receive, answer.capture)
            except BaseException:
                await session.rollback()
                raise
            if held.committed and answer.status < 500:
                await _store(session, subject, key, digest, scope, answer)
                for wake in held.wakes:
                    wake()
            else:
                await session.rollback()
        await answer.send_to(send)


async def _store(session, subject: str, key: str, digest: str, scope, answer: "_Answer") -> None:
    await session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.subject == subject, IdempotencyRecord.key == key))  # an expired one
    session.add(IdempotencyRecord(subject=subject, key=key, request_hash=digest, method=scope["method"],
                                  path=scope["path"], status=answer.status,
                                  content_type=answer.content_type, body=answer.body))
    await session.commit()
    log.info("idempotency.stored", path=scope["path"], status=answer.status)


async def _answer_again(scope, send, found, key: str, digest: str) -> None:
    if found.request_hash != digest:
        response = problem_response(422, msg("Idempotency-Key {key} was already used with a different request",
                                             key=key), instance=scope["path"])
        return await response(scope, _no_body, send)
    log.info("idempotency.replayed", path=scope["path"], status=found.status)
    headers = [(b"content-type", found.content_type.encode()), (b"content-length", str(len(found.body)).encode()),
               (REPLAYED.lower().encode(), b"true")]
    await send({"type": "http.response.start", "status": found.status, "headers": headers})
    await send({"type": "http.response.body", "body": bytes(found.body)})


async def _no_body():
    return {"type": "http.request", "body": b"", "more_body": False}


def replay(body: bytes, receive):
    """The body already read, once; then the real channel (a disconnect)."""
    given = [False]

    async def again():
        if not given[0]:
            given[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


class _Answer:
    """The route's answer, held until the transaction it belongs to has committed."""

    def __init__(self):
        self.messages, self.status, self.content_type, self.chunks = [], 500, "application/octet-stream", []

    async def capture(self, message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.content_type = Headers(raw=message.get("headers", [])).get("content-type", self.content_type)
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    async def send_to(self, send) -> None:
        for message in self.messages:
            await send(message)


async def purge_expired(uow, now=None) -> int:
    """Delete the records past ``KEEP`` (lookups already ignore them), by the database's clock as the lookup
    reads them; ``now`` is the job runner's and unused."""
    result = await uow.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at < func.now() - KEEP))
    return result.rowcount or 0


#: every service's job (``create_app`` adds it): the table holds about a day of keys, not every key ever sent
purge = Sweep("idempotency.purge", purge_expired, interval="idempotency_purge_interval_s")
