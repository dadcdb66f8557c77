"""GET /api/v1/households/{id}/monitoring: one household's monitoring history; civil affairs' review of
its 低保 phase-out."""

import uuid

from fastapi import APIRouter

from backstop_common.app import ReadModel, UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.problems import NotFound
from backstop_common.topics import REGISTRY_HOUSEHOLD
from monitoring.api.views import case_detail
from monitoring.domain import dibao, key_visits
from monitoring.repository import case_queries, households
from monitoring.repository import signals as signal_repo
from monitoring.schemas import (DibaoPhaseoutRead, HouseholdFactsRead, HouseholdMonitoring, KeyVisitIn, KeyVisitRead,
                                SignalRead)

router = APIRouter(tags=["households"])


@router.get("/households/{household_id}/monitoring")
async def household_history(household_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal,
                            fresh: ReadModel) -> HouseholdMonitoring:
    """农户监测档案 — the household as monitoring knows it.

    The household's facts as monitoring knows them, every signal, and every case with its history."""
    facts = await households.get(uow.session, household_id)
    if facts is None:
        await fresh.ensure_caught_up(REGISTRY_HOUSEHOLD, household_id=str(household_id))
    if facts is None or not principal.covers(facts.village_code):
        raise NotFound("household not found")
    now = uow.clock.now()
    cases = await case_queries.for_household(uow.session, household_id)
    running = await dibao.running(uow, household_id)
    return HouseholdMonitoring(
        facts=HouseholdFactsRead.model_validate(facts),
        signals=[SignalRead.model_validate(s) for s in await signal_repo.for_household(uow.session, household_id)],
        cases=[await case_detail(uow.session, c, now) for c in cases],
        dibao_phaseout=DibaoPhaseoutRead.model_validate(running) if running else None,
        key_visits=[KeyVisitRead.model_validate(v) for v in await key_visits.history(uow, household_id)],
    )


@router.post("/households/{household_id}/visits", status_code=201)
async def record_key_visit(household_id: uuid.UUID, body: KeyVisitIn, uow: UoW,
                           principal: CurrentPrincipal) -> KeyVisitRead:
    """重点户巡访 — records a visit to a key household.

    A visit (巡访) to a key household without a case (seed 004): 低保, 特困, a severely disabled or
    seriously ill member, or a risk eliminated within the year. Resets its quarterly clock."""
    row = await key_visits.record(uow, principal, household_id, body.visited_on, body.findings, uow.clock.now(),
                                  body.occurred_at)
    await uow.commit()
    return KeyVisitRead.model_validate(row)


@router.post("/households/{household_id}/dibao-review")
async def review_dibao_phaseout(household_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal) -> DibaoPhaseoutRead:
    """低保渐退复核 — civil affairs reviewed the phase-out.

    Civil affairs reviewed the household's 低保渐退 (department staff, township or county): 低保 may end
    before the phase-out's months have run without it counting as a lapse."""
    row = await dibao.review(uow, principal, household_id, uow.clock.now())
    await uow.commit()
    return DibaoPhaseoutRead.model_validate(row)
