"""Column helpers of the funds tables' own (times and JSON: ``backstop_common.columns``)."""

import uuid
from typing import Any

from sqlmodel import Field


def uid() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)
