"""Optimistic concurrency: writes to a versioned record carry ``If-Match: <version>``.

The two dependencies are ``async def`` though they never wait: FastAPI runs a plain ``def`` dependency in its
thread pool, a thread hop on every write that kept a loaded event loop idle between hops (bench/RESULTS.md,
issue 18).
"""

from typing import Annotated

from fastapi import Header

from backstop_common.i18n import msg
from backstop_common.problems import BadRequest, Conflict, PreconditionRequired

#: the If-Match header's description in the OpenAPI document (also how ``openapi.py`` knows a 428 is possible)
VERSION_REQUIRED = "The record's version as last read (its ETag); required — 428 without it, 409 if it changed."
VERSION_CHECKED = "The record's version as last read (its ETag); optional — checked when sent, 409 if it changed."


async def expected_version(if_match: Annotated[str | None, Header(description=VERSION_REQUIRED)] = None) -> int:
    """Dependency: the version the client last saw; 428 when it did not say."""
    return _version(if_match)


def _version(if_match: str | None) -> int:
    if if_match is None:
        raise PreconditionRequired(msg("send If-Match with the record's version"))
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadRequest(msg("If-Match must be the record's integer version"))
    return int(raw)


def check_version(current: int, expected: int, what: str = "record") -> None:
    """409 when someone else changed the record since the client read it."""
    if current != expected:
        raise Conflict(msg("{what} was changed by someone else (version {current}, you sent {expected}); "
                           "reload and try again", what=msg(what), current=current, expected=expected),
                       current_version=current)


async def optional_version(if_match: Annotated[str | None, Header(description=VERSION_CHECKED)] = None
                           ) -> int | None:
    """Dependency for appending writes and workflow actions: If-Match is checked when sent, else optional."""
    return None if if_match is None else _version(if_match)
