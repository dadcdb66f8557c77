"""Income assessments (收入核算): per-capita net income is computed here, never typed."""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from asgi_correlation_id import correlation_id

from backstop_common.auth import Principal
from backstop_common.i18n import msg, translate
from backstop_common.money import to_fen
from backstop_common.problems import Problem, Unprocessable
from backstop_common.uow import UnitOfWork
from registry.domain import history
from registry.domain.guards import may_write, writable
from registry.domain.members import touch
from registry.domain.publishing import emitted_row, emitted_rows
from registry.events import HouseholdIncomeAssessed
from registry.models import Household
from registry.repository import records
from registry.schemas.records import (
    BatchRefusal, IncomeAssessmentBatchItem, IncomeAssessmentBatchOutcome, IncomeAssessmentBatchResult,
    IncomeAssessmentCreate, IncomeAssessmentRead,
)

#: a per-capita net income above this (100万 a head) is a typing error
ABSURD_PER_CAPITA = Decimal("1000000")


def net_income(data: IncomeAssessmentCreate) -> Decimal:
    """(wage + business + property + transfer − business costs), docs/contract.md §3."""
    return to_fen(data.wage + data.business + data.property + data.transfer - data.business_costs)


async def assess_income(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID,
                        data: IncomeAssessmentCreate, expected: int | None) -> records.NewIncomeAssessment:
    may_write(principal)
    found = await records.lock_for_income(uow.session, household_id)
    household, previous = found if found else (None, None)
    assessment, rows, event = assessed(uow, principal, household, previous, data, expected)
    await records.record(uow.session, "income", assessment, household, rows, emitted_row(uow, event))
    return assessment


def assessed(uow: UnitOfWork, principal: Principal, household: records.IncomeHousehold | None,
             previous: records.NewIncomeAssessment | records.LatestIncome | None, data: IncomeAssessmentCreate,
             expected: int | None) -> tuple[records.NewIncomeAssessment, list[dict], HouseholdIncomeAssessed]:
    """The rule of one assessment on a locked household (changed in place: its income and version): the
    assessment, its history rows and its event — or the problem the route answers. No write."""
    writable(principal, household, expected)
    if data.year > uow.clock.today().year:
        raise Unprocessable(msg("year {year} has not begun", year=data.year))
    if household.size < 1:
        raise Unprocessable("the household has no current members")
    net = net_income(data)
    per_capita = to_fen(net / household.size)
    if per_capita > ABSURD_PER_CAPITA:
        raise Unprocessable(msg("per-capita net income {amount} is absurd; check the figures", amount=per_capita))
    assessment = records.NewIncomeAssessment(household_id=household.id, **data.model_dump(), net_income=net,
                                             size=household.size, per_capita_income=per_capita,
                                             assessed_by=principal.subject)
    changed = {}
    if household.income_year is None or data.year >= household.income_year:
        changed = history.diff(household, {"per_capita_income": per_capita, "income_year": data.year})
        household.per_capita_income, household.income_year = per_capita, data.year
    touch(household, uow.clock.now())
    rows = history.rows(principal, household.id, "income_assessment", assessment.id, "assessed", changed or None,
                        version=household.version,
                        snapshot={"year": data.year, "per_capita_income": per_capita, "net_income": net})
    return assessment, rows, income_event(household, assessment, previous)


@dataclass(frozen=True)
class IncomeWrite:
    """One caller's assessment of one household, at the version they last read (None: any)."""

    principal: Principal
    household_id: uuid.UUID
    data: IncomeAssessmentCreate
    expected: int | None = None
    #: the request's correlation id, taken where the write is made: written together (``hot.Gathered``), each
    #: write's event still carries its own request's, so the request's trail runs on through the other services
    correlation: str | None = field(default_factory=correlation_id.get)


async def assess_together(uow: UnitOfWork, writes: list[IncomeWrite]
                          ) -> list[records.NewIncomeAssessment | Problem]:
    """Many assessments in one transaction, each by the single route's rules for its own caller: the assessment
    recorded, or the problem its caller would have been answered — and nothing written for it.

    Set-based (issue 18): every household locked and read in one statement, the rule run in memory write by write
    (a household assessed twice sees its first assessment, as it would one request after another), the
    assessments, households, history rows and events written in four statements, not two round trips a write."""
    found = await records.lock_for_incomes(uow.session, [w.household_id for w in writes])
    results: list[records.NewIncomeAssessment | Problem] = []
    written, correlations = records.RecordBatch(), []
    for write in writes:
        household, previous = found.get(write.household_id, (None, None))
        try:
            may_write(write.principal)
            assessment, rows, event = assessed(uow, write.principal, household, previous, write.data, write.expected)
        except Problem as exc:
            results.append(exc)
            continue
        if previous is None or assessment.year >= previous.year:  # the latest, as the lock reads it
            found[write.household_id] = (household, assessment)
        written.add(assessment, household, rows, [event])
        correlations.append(write.correlation)
        results.append(assessment)
    await records.record_batch(uow.session, "income", written, emitted_rows(uow, written.events, correlations))
    return results


async def assess_incomes(uow: UnitOfWork, principal: Principal,
                         items: list[IncomeAssessmentBatchItem]) -> IncomeAssessmentBatchResult:
    """批量收入评估 — many assessments in one transaction, each by the single route's rules (``assess_together``).

    A refused record (unknown household, out of scope, stale version, absurd figures) changes nothing and
    comes back with the problem the single route would have answered; the others are recorded, each with
    its event in the outbox. A role that may not write is refused whole."""
    may_write(principal)
    results = await assess_together(uow, [
        IncomeWrite(principal, item.household_id,
                    IncomeAssessmentCreate.model_validate(item.model_dump(exclude={"household_id", "version"})),
                    item.version) for item in items])
    return IncomeAssessmentBatchResult(received=len(items), recorded=sum(isinstance(r, records.NewIncomeAssessment)
                                                                         for r in results),
                                       items=[_outcome(index, item, result)
                                              for index, (item, result) in enumerate(zip(items, results))])


def _outcome(index: int, item: IncomeAssessmentBatchItem, result: records.NewIncomeAssessment | Problem
             ) -> IncomeAssessmentBatchOutcome:
    if isinstance(result, Problem):
        return IncomeAssessmentBatchOutcome(
            index=index, household_id=item.household_id, status=result.status,
            problem=BatchRefusal(status=result.status, title=translate(result.title), detail=translate(result.detail)))
    return IncomeAssessmentBatchOutcome(index=index, household_id=item.household_id, status=201,
                                        assessment=IncomeAssessmentRead.model_validate(result, from_attributes=True))


def income_event(household: Household | records.IncomeHousehold, a: records.NewIncomeAssessment,
                 previous: records.NewIncomeAssessment | records.LatestIncome | None):
    return HouseholdIncomeAssessed(
        household_id=household.id, village_code=household.village_code, assessment_id=a.id, year=a.year,
        wage=to_fen(a.wage), business=to_fen(a.business), business_costs=to_fen(a.business_costs),
        property=to_fen(a.property), transfer=to_fen(a.transfer), net_income=a.net_income, size=a.size,
        per_capita_income=a.per_capita_income,
        previous_per_capita_income=previous.per_capita_income if previous else None,
        previous_year=previous.year if previous else None)
