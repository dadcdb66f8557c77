"""低保 follow-up (seed 000): a household under the policy's 低保 line that is not on 低保 is
recommended to civil affairs; a 低保 household whose income rose above it is followed through at most
``dibao_phaseout_months`` of 渐退, and leaving 低保 earlier without civil affairs' review is a lapse
(an event and a risk signal the village verifies)."""

from datetime import datetime

from backstop_common.auth import Principal, Role
from backstop_common.problems import NotFound
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.domain.dates import add_months
from monitoring.domain.rules import Draft, income_fact_key
from monitoring.events import DibaoPhaseoutEvent, DibaoRecommended
from monitoring.models import DibaoPhaseout, HouseholdFacts, Policy
from monitoring.repository import dibao as dibao_repo

REVIEWERS = (Role.DEPARTMENT, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.COUNTY_ADMIN)


async def running(uow: UnitOfWork, household_id, *, lock: bool = False) -> DibaoPhaseout | None:
    return await dibao_repo.running(uow.session, household_id, lock=lock)


def _publish_phaseout(uow: UnitOfWork, name: str, row: DibaoPhaseout) -> None:
    uow.publish(MONITORING_CASE, name, subject=row.household_id, area_code=row.village_code,
                data=DibaoPhaseoutEvent(household_id=row.household_id, village_code=row.village_code,
                                        phaseout_id=row.id, started_at=row.started_at, ends_at=row.ends_at,
                                        outcome=row.outcome))


async def _recommend(uow: UnitOfWork, f: HouseholdFacts, policy: Policy, now: datetime) -> bool:
    key = income_fact_key(f.income_year, f.per_capita_income)
    if not await dibao_repo.recommend_once(uow.session, f.household_id, key, now):
        return False
    uow.publish(MONITORING_CASE, "dibao.recommended", subject=f.household_id, area_code=f.village_code,
                data=DibaoRecommended(household_id=f.household_id, village_code=f.village_code, year=f.income_year,
                                      per_capita_income=f.per_capita_income, dibao_line=policy.dibao_line))
    return True


async def after_income(uow: UnitOfWork, f: HouseholdFacts, policy: Policy | None, now: datetime) -> None:
    """An income was assessed (or registered): below the line and off 低保 → recommend; above it
    while on 低保 → the phase-out starts (once: a running one is not restarted)."""
    if policy is None or policy.dibao_line is None or f.per_capita_income is None:
        return
    if f.per_capita_income < policy.dibao_line and not f.dibao:
        await _recommend(uow, f, policy, now)
    elif f.per_capita_income >= policy.dibao_line and f.dibao and await running(uow, f.household_id) is None:
        row = DibaoPhaseout(household_id=f.household_id, village_code=f.village_code, started_at=now,
                            ends_at=add_months(now, policy.dibao_phaseout_months))
        uow.session.add(row)
        await uow.session.flush()
        _publish_phaseout(uow, "dibao.phaseout_started", row)


async def rescreen(uow: UnitOfWork, policy: Policy, now: datetime) -> int:
    """The row's 低保 line was set or changed: every household now under it and off 低保 is recommended
    (once per income, as after an assessment); the count of new recommendations."""
    if policy.dibao_line is None:
        return 0
    return sum([await _recommend(uow, f, policy, now)  # below_line locks the households (their events' order)
                for f in await dibao_repo.below_line(uow.session, policy, now.year)])


async def after_dibao_ended(uow: UnitOfWork, f: HouseholdFacts, now: datetime) -> Draft | None:
    """The registry says the household left 低保. During a phase-out civil affairs has not reviewed,
    before its end, that is a lapse: the event, and a draft signal for the village to verify."""
    row = await running(uow, f.household_id, lock=True)
    if row is None:
        return None
    lapsed = row.reviewed_at is None and now < row.ends_at
    row.closed_at, row.outcome = now, "lapsed" if lapsed else "left_reviewed"
    if not lapsed:
        return None
    _publish_phaseout(uow, "dibao.phaseout_lapsed", row)
    return Draft("99", "dibao_lapsed", f"phaseout:{row.id}", {
        "phaseout_id": str(row.id), "ends_at": row.ends_at.isoformat()})


async def review(uow: UnitOfWork, principal: Principal, household_id, now: datetime) -> DibaoPhaseout:
    """Civil affairs (or the township/county for them) reviewed the running phase-out: 低保 may now end."""
    row = await running(uow, household_id, lock=True)
    if row is None or not principal.covers(row.village_code):
        raise NotFound("no running dibao phase-out for this household")
    principal.ensure_role(*REVIEWERS)
    row.reviewed_at, row.reviewed_by = now, principal.subject
    return row


async def sweep_due(uow: UnitOfWork, now: datetime) -> int:
    """Phase-outs whose months ran out while the household is still on 低保: announced once."""
    await dibao_repo.lock_households_run_out(uow.session, now)  # before the phase-outs: the consumer's order
    rows = await dibao_repo.close_run_out(uow.session, now)
    for row in rows:
        _publish_phaseout(uow, "dibao.phaseout_due", row)
    return len(rows)
