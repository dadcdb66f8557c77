"""Conditional reads: ``ETag`` on a record's JSON, ``304 Not Modified`` when ``If-None-Match`` still matches.

The tag is a hash of the exact bytes answered (weak, ``W/"…"``): what the caller sees — masking by role,
the actions their role may take, deadlines relative to now — changes the tag, not only the record's
version. ``If-Match`` on writes keeps taking the record's integer ``version`` (``concurrency.py``).
"""

import hashlib

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

NOT_MODIFIED = {304: {"description": "Not Modified: the `If-None-Match` tag is still current (no body)."}}


def etag_of(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def _matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    opaque = tag.removeprefix("W/")
    return any(part.strip() == "*" or part.strip().removeprefix("W/") == opaque for part in header.split(","))


def conditional(request: Request, body: bytes | BaseModel, status: int = 200) -> Response:
    """The JSON answer with its ``ETag``, or an empty 304 when the caller's copy is current (GET only)."""
    if isinstance(body, BaseModel):
        body = JSONResponse(jsonable_encoder(body)).body
    return conditional_answer(request.method, request.headers.get("if-none-match"), body, status)


def conditional_answer(method: str, if_none_match: str | None, body: bytes, status: int = 200) -> Response:
    """``conditional`` from the request's method and ``If-None-Match`` (a hot route has no FastAPI request)."""
    tag = etag_of(body)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if method in ("GET", "HEAD") and _matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, media_type="application/json", headers=headers)
