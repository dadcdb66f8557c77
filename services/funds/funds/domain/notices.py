"""Public-notice lists (公告公示) ready to publish: ids, places and amounts; never ID numbers, phones,
bank accounts or health details (a medical relief is listed as 'assistance', without its basis)."""

from backstop_common.auth import Principal
from funds.enums import STAGE_LABELS, Stage, SubsidyKind
from funds.repository import notices as repo

PUBLIC_KIND = {SubsidyKind.HOUSING_RENOVATION.value: "housing_renovation",
               SubsidyKind.EDUCATION.value: "education", SubsidyKind.MEDICAL_RELIEF.value: "assistance",
               SubsidyKind.MEDICAL_INSURANCE.value: "medical_insurance"}
SUBSIDY_HEADERS = ["village_code", "household_id", "kind", "period", "amount", "paid_on"]
PROJECT_HEADERS = ["project_id", "name", "project_type", "area_code", "year", "budget", "stage",
                   "notice_ends_at", "beneficiary_households"]


async def subsidy_notice(session, principal: Principal, area_code: str | None, period: str | None) -> list[dict]:
    rows = await repo.subsidies(session, principal, area_code, period)
    return [{"village_code": s.village_code, "household_id": str(s.household_id), "kind": PUBLIC_KIND[s.kind],
             "period": s.period, "amount": s.amount, "paid_on": s.paid_on} for s in rows]


async def project_notice(session, principal: Principal, area_code: str | None, stage: str | None) -> list[dict]:
    rows = await repo.projects_at(session, principal, area_code, stage or Stage.NOTICED.value)
    return [{"project_id": str(p.id), "name": p.name, "project_type": p.project_type, "area_code": p.area_code,
             "year": p.year, "budget": p.budget, "stage": f"{STAGE_LABELS[Stage(p.stage)]} ({p.stage})",
             "notice_ends_at": p.notice_ends_at, "beneficiary_households": n} for p, n in rows]
