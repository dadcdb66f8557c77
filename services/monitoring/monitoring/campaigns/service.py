"""Checklists and campaigns (大排查): define checks, start a campaign, run its data checks over the area
(set-based, see repository), record the answers cadres give to its questions."""

import uuid

from backstop_common.auth import Principal, Role, area_prefix
from backstop_common.freshness import Freshness
from backstop_common.i18n import msg
from backstop_common.problems import Conflict, NotFound, Unprocessable
from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_common.uow import UnitOfWork
from monitoring.campaigns import repository
from monitoring.campaigns.models import Answer, Campaign, CheckDefinition, Problem
from monitoring.campaigns.publishing import publish_problem, publish_problems, publish_started, record_step
from monitoring.campaigns.schemas import AnswerIn, CampaignIn, CheckIn, RunResult
from monitoring.campaigns.units import UNITS

COUNTY = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF)
ORGANISERS = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)
ANSWERERS = (Role.VILLAGE_CADRE, Role.HELPER, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.COUNTY_ADMIN,
             Role.DEPARTMENT)


def validate_check(body: CheckIn) -> None:
    if body.kind == "data" and body.fact not in repository.FACTS:
        raise Unprocessable(msg("unknown fact {fact}: a data check must name a known fact", fact=repr(body.fact)),
                            fact=body.fact, known_facts=sorted(repository.FACTS))
    if body.kind == "question" and body.fact is not None:
        raise Unprocessable("a question is answered at the visit and names no fact", fact=body.fact)
    if body.responsible_unit not in UNITS:
        raise Unprocessable(msg("unknown responsible unit {unit}", unit=repr(body.responsible_unit)),
                            known_units=sorted(UNITS))


async def create_check(uow: UnitOfWork, principal: Principal, body: CheckIn) -> CheckDefinition:
    principal.ensure_role(*COUNTY)
    validate_check(body)
    if await uow.session.get(CheckDefinition, body.code):
        raise Conflict(msg("check {code} already exists", code=body.code))
    check = CheckDefinition(**body.model_dump(), created_by=principal.subject, created_at=uow.clock.now())
    uow.session.add(check)
    await uow.session.flush()
    return check


async def create_campaign(uow: UnitOfWork, principal: Principal, body: CampaignIn) -> Campaign:
    principal.ensure_role(*ORGANISERS)
    principal.ensure_covers(body.area_code, "area")
    now = uow.clock.now()
    codes = list(dict.fromkeys(body.checks))
    if not codes:
        raise Unprocessable("a campaign needs at least one check")
    if body.investigation_due.tzinfo is None or body.rectification_due.tzinfo is None:
        raise Unprocessable("deadlines need a time-zone offset")
    if body.investigation_due <= now:
        raise Unprocessable("the investigation deadline is in the past", investigation_due=str(body.investigation_due))
    if body.rectification_due < body.investigation_due:
        raise Unprocessable("the rectification deadline comes before the investigation deadline")
    known = await repository.known_checks(uow.session, codes)
    if unknown := [c for c in codes if c not in known]:
        raise Unprocessable(msg("unknown checks: {checks}", checks=", ".join(unknown)), unknown_checks=unknown)
    campaign = Campaign(name=body.name, area_code=body.area_code, scope=area_prefix(body.area_code),
                        investigation_due=body.investigation_due, rectification_due=body.rectification_due,
                        checks=codes, created_by=principal.subject, created_at=now)
    uow.session.add(campaign)
    await uow.session.flush()
    publish_started(uow, campaign, principal)
    return campaign


async def get_campaign(uow: UnitOfWork, principal: Principal, campaign_id: uuid.UUID) -> Campaign:
    campaign = await uow.session.get(Campaign, campaign_id)
    if campaign is None or not (principal.covers(campaign.area_code) or principal.area_code.startswith(campaign.scope)):
        raise NotFound("campaign not found")
    return campaign


async def run_campaign(uow: UnitOfWork, principal: Principal, campaign_id: uuid.UUID) -> RunResult:
    """One set-based pass per data check over the campaign's area; questions wait for answers."""
    principal.ensure_role(*ORGANISERS)
    campaign = await get_campaign(uow, principal, campaign_id)
    principal.ensure_covers(campaign.area_code, "campaign")
    checks = await repository.checks(uow.session, campaign.checks)
    now, by_check = uow.clock.now(), {}
    for check in sorted(checks, key=lambda c: c.code):
        if check.kind != "data":
            continue
        run = await repository.run_data_check(
            uow.session, fact=repository.FACTS[check.fact], campaign_id=campaign.id, scope=campaign.scope,
            check=check.code, unit=check.responsible_unit, due=campaign.rectification_due,
            threshold=check.threshold, now=now, actor=principal.subject, role=str(principal.role))
        await publish_problems(uow, "problem.opened", run.opened, principal)
        await publish_problems(uow, "problem.rectified", run.closed, principal, "data")
        by_check[check.code] = {"opened": len(run.opened), "closed": len(run.closed)}
    campaign.runs += 1
    campaign.last_run_at, campaign.last_run_by = now, principal.subject
    uow.session.add(campaign)
    await uow.session.flush()
    return RunResult(campaign_id=campaign.id, opened=sum(v["opened"] for v in by_check.values()),
                     closed=sum(v["closed"] for v in by_check.values()), by_check=by_check)


async def answer_question(uow: UnitOfWork, principal: Principal, campaign_id: uuid.UUID,
                          body: AnswerIn, fresh: Freshness = Freshness()) -> tuple[Answer, Problem | None]:
    """A cadre's answer at the visit; a failed answer opens a problem (once while one is active)."""
    principal.ensure_role(*ANSWERERS)
    campaign = await get_campaign(uow, principal, campaign_id)
    check = await uow.session.get(CheckDefinition, body.check)
    if check is None or check.code not in campaign.checks or check.kind != "question":
        raise Unprocessable(msg("{check} is not a question of this campaign", check=body.check))
    if check.subject == "household":
        if body.household_id is None:
            raise Unprocessable("this question is about a household: give household_id")
        area, key = await repository.village_of(uow.session, body.household_id), str(body.household_id)
        if area is None:
            await fresh.ensure_caught_up(REGISTRY_HOUSEHOLD, household_id=key)
            raise NotFound("household not found")
    else:
        if body.area_code is None:
            raise Unprocessable("this question is about a unit: give area_code")
        area, key = body.area_code, body.area_code
    principal.ensure_covers(area, "household" if check.subject == "household" else "area")
    if not area.startswith(campaign.scope):
        raise Unprocessable("outside the campaign's area")
    now = uow.clock.now()
    values = dict(passed=body.passed, note=body.note, answered_by=principal.subject,
                  answered_role=str(principal.role), answered_at=now)
    answer = await repository.save_answer(uow.session, dict(
        campaign_id=campaign.id, check_code=check.code, subject_key=key, household_id=body.household_id,
        village_code=area), values)
    problem = None
    if not body.passed:
        problem = await repository.open_problem_once(uow.session, dict(
            campaign_id=campaign.id, check_code=check.code, subject_key=key,
            household_id=body.household_id, village_code=area, responsible_unit=check.responsible_unit,
            status="opened", source="answer", due_at=campaign.rectification_due, opened_at=now,
            opened_by=principal.subject, evidence=[], version=1, updated_at=now))
        if problem is not None:
            record_step(uow, problem, "open", None, principal, body.note or "answered at the visit")
            publish_problem(uow, "problem.opened", problem, principal, check.title, body.note)
    else:  # a later visit finds it fixed: an answered problem nobody has started on closes
        for problem in await repository.answered_problems_open(uow.session, campaign.id, check.code, key):
            problem.status, problem.closed_at, problem.closed_reason = "closed", now, "answered_passed"
            problem.version, problem.updated_at = problem.version + 1, now
            uow.session.add(problem)
            record_step(uow, problem, "close", "opened", principal, body.note or "passed at a later visit")
            publish_problem(uow, "problem.rectified", problem, principal, check.title, "answer")
        problem = None
    return answer, problem
