"""A household the national system already monitors (监测对象) arrives as the case it is: the registry's
import carries its 监测对象类别, 风险是否消除 and 识别/消除时间, and monitoring records a confirmed (or
eliminated) case with them instead of opening a new one. Its later signals join that case."""

from datetime import datetime

from backstop_common.uow import UnitOfWork
from backstop_events.registry import HouseholdRegistered
from monitoring.domain.cases import refresh_next_due
from monitoring.domain.dates import add_days, start_of
from monitoring.domain.policy import effective_policy
from monitoring.domain.publishing import publish_case
from monitoring.domain.risk import income_risk_type
from monitoring.domain.rules import gaps
from monitoring.models import Case, CaseStep, HouseholdFacts
from monitoring.repository import case_queries
from monitoring.vocab import Category, Source, Stage

CATEGORIES = frozenset(c.value for c in Category)


async def arrive(uow: UnitOfWork, facts: HouseholdFacts, data: HouseholdRegistered, now: datetime) -> Case | None:
    """Record the household's national case once (a household monitoring already knows keeps its own)."""
    category = data.monitoring_category
    if category not in CATEGORIES or await case_queries.for_household(uow.session, facts.household_id):
        return None
    identified, eliminated_on = data.risk_identified_on, data.risk_eliminated_on
    eliminated = data.risk_eliminated
    since = start_of(identified) if identified else now
    policy = await effective_policy(uow.session, facts.village_code, now.year)
    case = Case(household_id=facts.household_id, village_code=facts.village_code,
                stage=Stage.ELIMINATED if eliminated else Stage.CONFIRMED, category=category,
                risk_types=[income_risk_type(facts.main_cause)], gaps=gaps(facts), source=Source.IMPORT,
                opened_at=since, confirmed_at=since, updated_at=now)
    if eliminated:
        case.closed_at, case.close_reason = start_of(eliminated_on) if eliminated_on else now, "eliminated"
    elif policy is not None:  # visits are owed from now; the plan is the national system's, not late here
        case.next_visit_due = add_days(now, policy.visit_interval_days)
    refresh_next_due(case)
    uow.session.add(case)
    await uow.session.flush()
    uow.session.add(CaseStep(case_id=case.id, action="import", from_stage=None, to_stage=case.stage,
                             note="national monitoring system (全国防返贫监测信息系统)", at=now,
                             data={"identified_on": str(identified) if identified else None,
                                   "eliminated_on": str(eliminated_on) if eliminated_on else None}))
    publish_case(uow, "case.imported", case, None, stage=case.stage, category=category,
                 risk_types=case.risk_types, identified_on=identified, eliminated_on=eliminated_on)
    return case
