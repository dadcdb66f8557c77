"""Dates people enter: a calendar day within the years Backstop's work can concern.

asyncpg stores ``date.min``/``date.max`` as PostgreSQL's ``-infinity``/``infinity``, which read back as
strings no client parses as a date (the deep fuzz found "0001-01-01" stored and served as "-infinity");
a day outside 1900–2100 is a typing error anyway, so it is a 422 naming the field and the bound.
"""

from datetime import date
from typing import Annotated

from pydantic import Field

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)

CalendarDate = Annotated[date, Field(ge=EARLIEST, le=LATEST)]
