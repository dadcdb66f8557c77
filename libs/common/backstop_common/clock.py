"""A service's notion of now (时钟): timezone-aware, one per app, movable in tests and demos (deadlines
without sleeping).

``create_app`` builds one ``Clock`` per app (``ServiceSpec.clock`` to hand in your own) and passes it
down: ``app.state.clock``; every ``UnitOfWork`` carries it (``uow.clock`` — routes through ``UoW``,
handlers through the consumer, background jobs through ``jobs.unit_of_work``); a route that only needs
the time takes ``Now``, one that needs the clock itself ``CurrentClock``. Nothing reads
``datetime.now()`` or ``date.today()`` for a domain decision. Only ``CLOCK_CONTROL_ENABLED=true``
exposes ``POST /_ops/clock`` (end-to-end tests on a running stack); production clocks never move.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

#: the county's day: a date a person reads or enters is a Beijing-time date
LOCAL = ZoneInfo("Asia/Shanghai")


class Clock:
    """Real time plus an offset that only tests move (forward)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    __call__ = now

    def today(self) -> date:
        """The county's date now (Beijing time), not the server's."""
        return self.now().astimezone(LOCAL).date()

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("a clock only moves forward")
        self.offset += delta


def app_clock(request: Request) -> Clock:
    return request.app.state.clock


def current_time(request: Request) -> datetime:
    return app_clock(request).now()


#: route dependency: the app's clock (to hand to domain code that reads it more than once)
CurrentClock = Annotated[Clock, Depends(app_clock)]
#: route dependency: the app's now, tz-aware
Now = Annotated[datetime, Depends(current_time)]
