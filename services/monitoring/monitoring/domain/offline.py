"""A visit recorded on a phone without signal (离线记录) and sent later: the day it names and when it happened."""

from datetime import date, datetime

from backstop_common.problems import Unprocessable
from backstop_common.sync import local_day, occurred


def visit_day(visited_on: date | None, occurred_at: datetime | None, now: datetime,
              not_before: datetime | None) -> tuple[date, datetime | None]:
    """The visit's day and, when the phone sent it, the moment it happened (``sync.occurred``: tz-aware, not ahead
    of ``now`` beyond the skew, not before ``not_before``); ``visited_on`` defaults to that moment's Beijing day
    and must be it when both are sent. A day after the county's today is refused."""
    at = occurred_at and occurred(occurred_at, now, not_before=not_before)
    day = visited_on or (at and local_day(at))
    if day is None:
        raise Unprocessable("visited_on or occurred_at is required")
    if at and day != local_day(at):
        raise Unprocessable("visited_on is not the day of occurred_at (Beijing time)")
    if day > local_day(now):  # the county's today, not the server's (UTC) date
        raise Unprocessable("visited_on is in the future")
    return day, at
