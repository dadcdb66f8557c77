"""A service's notion of now: timezone-aware, and movable in tests and demos (deadlines without sleeping).

``create_app`` puts one ``Clock`` on ``app.state.clock``; routes take ``Now``, background jobs and
handlers read ``app.state.clock()``. Only ``CLOCK_CONTROL_ENABLED=true`` exposes ``POST /_ops/clock``
(for end-to-end tests on a running stack); production clocks never move.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request


class Clock:
    """Real time plus an offset that only tests move (forward)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    __call__ = now

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("a clock only moves forward")
        self.offset += delta


def current_time(request: Request) -> datetime:
    return request.app.state.clock.now()


Now = Annotated[datetime, Depends(current_time)]
