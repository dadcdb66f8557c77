"""``If-Match`` on appending writes: optional, and checked when sent."""

from typing import Annotated

from fastapi import Header

from backstop_common.concurrency import expected_version


def optional_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """Adding a record (an assessment, a member) loses nobody's update, so If-Match is optional here."""
    return None if if_match is None else expected_version(if_match)
