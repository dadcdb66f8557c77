"""POST /api/v1/signals: a household's application (农户申报), a cadre's visit (干部排查), a department."""

import uuid

from fastapi import APIRouter, Response

from backstop_common.app import ReadModel, UoW
from backstop_common.auth import CurrentPrincipal, Role
from backstop_common.problems import NotFound
from backstop_common.topics import REGISTRY_HOUSEHOLD
from monitoring.domain import cluster
from monitoring.domain.policy import effective_policy
from monitoring.domain.rules import Draft
from monitoring.domain.signals import record_signal
from monitoring.repository import households, signals as signal_repo
from monitoring.schemas import SignalIn, SignalRead, SignalResult

router = APIRouter(tags=["signals"])
REPORTERS = (Role.VILLAGE_CADRE, Role.HELPER, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.COUNTY_ADMIN,
             Role.DEPARTMENT, Role.SYSTEM)


@router.post("/signals", status_code=201, response_model=SignalResult)
async def report_signal(body: SignalIn, uow: UoW, principal: CurrentPrincipal, response: Response,
                        fresh: ReadModel):
    """报告风险信号 — an application, a visit or a department's report.

    A household's application (农户申报), a cadre's visit (干部排查) or a department's report of a risk; it may open a
    case. The same report again answers 200 with duplicate=true."""
    principal.ensure_role(*REPORTERS)
    facts = await households.get(uow.session, body.household_id, lock=True)
    if facts is None:  # not arrived yet, or unknown: only a caught-up read model can say which
        await fresh.ensure_caught_up(REGISTRY_HOUSEHOLD, household_id=str(body.household_id))
    if facts is None or not principal.covers(facts.village_code):
        raise NotFound("household not found")
    rule = f"reported_{body.source}"
    fact_key = body.reference or str(uuid.uuid4())
    now = uow.clock.now()
    draft = Draft(body.risk_type, rule, fact_key, {**body.facts, "note": body.note, "reference": body.reference})
    signal_id, _ = await record_signal(uow, facts, draft, body.source, now, principal)
    if signal_id is None:  # the same application/visit reported again
        response.status_code = 200
        existing = await signal_repo.by_fact(uow.session, facts.household_id, rule, fact_key)
        return SignalResult(signal=SignalRead.model_validate(existing), duplicate=True)
    policy = await effective_policy(uow.session, facts.village_code, now.year)
    if policy is not None:
        await cluster.check(uow, policy, now, scope=facts.village_code, village=facts.village_code)
    await uow.commit()
    signal = await signal_repo.get(uow.session, signal_id)
    return SignalResult(signal=SignalRead.model_validate(signal), duplicate=False)
