"""Reading the registry: one household's whole file, the scoped list, the history."""

import uuid

from backstop_common.auth import Principal
from backstop_common.privacy import mask_id_number, mask_phone
from registry.domain.guards import household_for_read
from registry.domain.views import helper_view, log_unmasked_reads, member_view
from registry.repository import households, members, records
from registry.schemas.households import HouseholdFile, HouseholdRead, HouseholdRow
from registry.schemas.records import (
    DisasterRead, HousingAssessmentRead, IncomeAssessmentRead, MeasureRead, WaterAssessmentRead,
)


def _all(schema, rows) -> list:
    return [schema.model_validate(r, from_attributes=True) for r in rows]


async def household_file(session, principal: Principal, household_id: uuid.UUID, path: str) -> HouseholdFile:
    household = await household_for_read(session, principal, household_id)
    unmasked = principal.sees_identifiers
    people = [member_view(m, unmasked) for m in await members.members_of(session, household.id)]
    base = HouseholdRead.model_validate(household, from_attributes=True)
    if not unmasked:
        base.phone = mask_phone(base.phone)
    await log_unmasked_reads(session, principal, [household.id], path)
    return HouseholdFile(
        **base.model_dump(),
        members=[m for m in people if m.removed_on is None],
        former_members=[m for m in people if m.removed_on is not None],
        income_assessments=_all(IncomeAssessmentRead, await records.income_assessments(session, household.id)),
        housing_assessments=_all(HousingAssessmentRead, await records.housing_assessments(session, household.id)),
        water_assessments=_all(WaterAssessmentRead, await records.water_assessments(session, household.id)),
        disasters=_all(DisasterRead, await records.disasters(session, household.id)),
        helpers=[helper_view(h, unmasked) for h in await records.helpers(session, household.id)],
        measures=_all(MeasureRead, await records.measures(session, household.id)),
    )


async def household_list(session, principal: Principal, f: households.HouseholdFilter, sort: str,
                         limit: int, offset: int, path: str) -> tuple[list[HouseholdRow], int]:
    rows, total = await households.search(session, f, sort, limit, offset)
    unmasked = principal.sees_identifiers
    items = [HouseholdRow(**HouseholdRead.model_validate(h, from_attributes=True).model_dump(),
                          head_name=name,
                          head_id_number=id_number if unmasked else mask_id_number(id_number))
             for h, name, id_number in rows]
    if not unmasked:
        for item in items:
            item.phone = mask_phone(item.phone)
    await log_unmasked_reads(session, principal, [i.id for i in items], path)
    return items, total
