"""``POST /api/v1/feeds/{department}``: a department's batch of records."""

from typing import Any, Literal

from fastapi import APIRouter, Body
from pydantic import TypeAdapter, ValidationError

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.problems import Unprocessable
from backstop_common.validation import validation_errors
from registry.domain import feeds
from registry.schemas.feeds import FEEDS, FeedResult

router = APIRouter(tags=["department feeds"])
Department = Literal["health_insurance", "civil_affairs", "education", "housing", "public_security",
                     "human_resources", "disabled_federation", "water"]


@router.post("/feeds/{department}", response_model=FeedResult)
async def post_feed(department: Department, uow: UoW, principal: CurrentPrincipal,
                    body: dict[str, Any] = Body(..., examples=[{"records": [
                        {"id_number": "110105194912310021", "year": 2024, "medical_out_of_pocket": "23000.00"}]}])):
    """部门数据比对 — a department's batch of records.

    Matched records update the registry and publish events; unmatched ones come back by index."""
    try:
        records = TypeAdapter(list[FEEDS[department]]).validate_python(body.get("records"))
    except ValidationError as exc:
        raise Unprocessable("the feed is invalid; nothing was applied", errors=[
            {**e, "loc": ["records", *e["loc"]]} for e in validation_errors(exc.errors())]) from None
    if not 1 <= len(records) <= 50_000:
        raise Unprocessable("a feed holds 1 to 50,000 records")
    result = await feeds.apply_feed(uow, principal, department, records)
    await uow.commit()
    return result
