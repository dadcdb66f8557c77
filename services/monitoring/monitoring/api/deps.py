"""Route dependencies of the monitoring API."""

from typing import Annotated

from fastapi import Depends, Header

from backstop_common.concurrency import expected_version


def optional_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """``If-Match`` is checked when sent (409 on a stale version) and optional on case actions."""
    return None if if_match is None else expected_version(if_match)


IfMatch = Annotated[int | None, Depends(optional_version)]
