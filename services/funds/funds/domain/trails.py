"""Money trails: one household's every yuan; one project's from allocation to assets."""

import uuid
from decimal import Decimal

from backstop_common.auth import Principal
from backstop_common.problems import NotFound
from funds.repository import projects, readmodel, trails

ZERO = Decimal("0.00")


def _dump(row, *exclude: str) -> dict:
    return row.model_dump(exclude=set(exclude))


async def household_trail(session, principal: Principal, household_id: uuid.UUID) -> dict:
    household = await readmodel.household(session, household_id)
    if household is None or not principal.covers(household.village_code):
        raise NotFound("household not found")
    rows = await trails.of_household(session, household_id)
    total = sum((s.amount for s in rows["subsidies"]), start=ZERO) + sum((d.amount for d in rows["dividends"]), start=ZERO)
    return {
        "household": _dump(household),
        "subsidies": [_dump(s) for s in rows["subsidies"]],
        "projects": [{**_dump(b), "project_name": p.name, "project_type": p.project_type, "stage": p.stage}
                     for b, p in rows["projects"]],
        "dividends": [_dump(d) for d in rows["dividends"]],
        "suggestions": [_dump(s) for s in rows["suggestions"]],
        "anomalies": [_dump(a, "key") for a in rows["anomalies"]],
        "total_received": total,
    }


async def project_trail(session, principal: Principal, project_id: uuid.UUID) -> dict:
    project = await projects.project(session, project_id)
    if project is None or not principal.covers(project.area_code):
        raise NotFound("project not found")
    rows = await trails.of_project(session, project_id)
    return {
        "project": _dump(project),
        "stages": [_dump(c) for c in rows["stages"]],
        "fundings": [{"allocation_id": a.id, "source": a.source, "year": a.year, "purpose": a.purpose,
                      "allocation_area": a.area_code, "committed": f.committed, "spent": f.spent}
                     for f, a in rows["fundings"]],
        "disbursements": [_dump(d) for d in rows["disbursements"]],
        "beneficiaries": [_dump(b) for b in rows["beneficiaries"]],
        "dividends": [_dump(d) for d in rows["dividends"]],
        "assets": [_dump(a) for a in rows["assets"]],
        "anomalies": [_dump(a, "key") for a in rows["anomalies"]],
        "totals": {"disbursed": sum((d.amount for d in rows["disbursements"]), start=ZERO),
                   "assets": sum((a.value for a in rows["assets"]), start=ZERO)},
    }
