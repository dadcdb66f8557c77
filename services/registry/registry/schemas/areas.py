"""Area shapes."""

from datetime import datetime

from pydantic import BaseModel, Field

from backstop_common.examples import example

AreaCode = Field(pattern=r"^[0-9]{12}$", description="12-digit statistical division code")


@example({"code": "211204102200", "name": "石门村", "parent_code": "211204102000"})
class AreaCreate(BaseModel):
    code: str = AreaCode
    name: str = Field(min_length=1, max_length=100)
    parent_code: str | None = Field(default=None, pattern=r"^[0-9]{12}$")


class AreaRead(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    created_at: datetime | None = None


@example({"areas": [{"code": "211204102000", "name": "杨木林子镇", "parent_code": "211204000000"},
                    {"code": "211204102200", "name": "石门村", "parent_code": "211204102000"}]})
class AreaBulk(BaseModel):
    areas: list[AreaCreate] = Field(min_length=1, max_length=20000)


class AreaBulkResult(BaseModel):
    created: int
    unchanged: int
