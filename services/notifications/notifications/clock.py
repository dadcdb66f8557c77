"""The service's notion of now: tz-aware, injectable so tests can move time instead of sleeping."""

from collections.abc import Callable
from datetime import UTC, datetime

from backstop_common.clock import Clock as KernelClock

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


# the kernel's movable clock: real time plus an offset that only tests move forward
ManualClock = KernelClock
