"""Thin household routes."""

import uuid

from fastapi import APIRouter

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.problems import NotFound
from registry import repository, service
from registry.schemas import HouseholdCreate, HouseholdRead

router = APIRouter(tags=["households"])


@router.post("/households", status_code=201, response_model=HouseholdRead)
async def create_household(body: HouseholdCreate, uow: UoW, principal: CurrentPrincipal):
    household = await service.register_household(uow, principal, body)
    await uow.commit()
    return household


@router.get("/households/{household_id}", response_model=HouseholdRead)
async def read_household(household_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    household = await repository.get_household(uow.session, household_id)
    if household is None or not principal.covers(household.village_code):
        raise NotFound("household not found")
    return household
