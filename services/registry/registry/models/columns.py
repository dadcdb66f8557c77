"""Column helpers of the registry's own (times and JSON: ``backstop_common.columns``)."""

from typing import Any

from sqlalchemy import Column, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field


def text_list() -> Any:
    return Field(default_factory=list, sa_column=Column(ARRAY(String), nullable=False,
                                                        server_default=text("'{}'")))
