"""The service's clock: ``app.state.clock`` (tz-aware now); tests replace it to move time."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def current_time(request: Request) -> datetime:
    return request.app.state.clock()


Now = Annotated[datetime, Depends(current_time)]
