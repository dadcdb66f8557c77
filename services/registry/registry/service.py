"""Registry rules: no framework here; flush and publish, the caller commits."""

from backstop_common.auth import Principal
from backstop_common.problems import NotFound
from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_common.uow import UnitOfWork
from registry.events import HouseholdRegistered
from registry.models import Household
from registry.schemas import HouseholdCreate


async def register_household(uow: UnitOfWork, principal: Principal, data: HouseholdCreate) -> Household:
    if not principal.covers(data.village_code):
        raise NotFound("village not found in your area")
    household = Household(village_code=data.village_code)
    uow.session.add(household)
    await uow.session.flush()
    uow.publish(REGISTRY_HOUSEHOLD, "household.registered", subject=household.id,
                area_code=household.village_code,
                data=HouseholdRegistered(household_id=household.id, village_code=household.village_code))
    return household
