"""Shared API types: amounts are decimals to the fen; negative or non-decimal amounts are refused."""

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from backstop_common.money import PositiveMoney, to_fen

Amount = PositiveMoney
AreaCode = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
Year = Annotated[int, Field(ge=2000, le=2100)]
#: money as it leaves the service: a decimal string to the fen ("0.00", never 0 or a float)
Yuan = Annotated[Decimal, PlainSerializer(lambda v: str(to_fen(v)), return_type=str, when_used="json")]



class In(BaseModel):
    """A request body: unknown fields (e.g. a typed amount where it is computed) and NUL characters refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        return value


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
