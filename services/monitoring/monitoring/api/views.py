"""Turning cases into their API shapes (overdue is computed against the service clock)."""

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import Case
from monitoring.repository import cases as case_repo
from monitoring.schemas import CaseDetail, CaseRead, MeasureRead, SignalRead, StepRead, VisitRead
from monitoring.vocab import CLOSED, IDENTIFYING, Stage


def is_overdue(case: Case, now: datetime) -> bool:
    return Stage(case.stage) not in CLOSED and case.next_due_at is not None and case.next_due_at < now


def is_decision_overdue(case: Case, now: datetime) -> bool:
    return Stage(case.stage) in IDENTIFYING and case.decision_due_at is not None and case.decision_due_at < now


def case_read(case: Case, now: datetime) -> CaseRead:
    return CaseRead.model_validate(case).model_copy(update={
        "overdue": is_overdue(case, now), "decision_overdue": is_decision_overdue(case, now)})


async def case_detail(session: AsyncSession, case: Case, now: datetime) -> CaseDetail:
    return CaseDetail(
        **case_read(case, now).model_dump(),
        history=[StepRead.model_validate(s) for s in await case_repo.steps(session, [case.id])],
        signals=[SignalRead.model_validate(s) for s in await case_repo.signals(session, case.id)],
        measures=[MeasureRead.model_validate(m) for m in await case_repo.measures(session, case.id)],
        visits=[VisitRead.model_validate(v) for v in await case_repo.visits(session, case.id)],
    )
