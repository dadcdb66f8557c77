"""Monitoring's notion of now: tz-aware, and movable in tests (deadlines without sleeping).

Routes, handlers and the sweeper all read ``clock.now()``; a test calls ``clock.advance(...)``.
"""

from datetime import UTC, datetime, timedelta


class Clock:
    """Real time plus an offset that only tests move."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


clock = Clock()
