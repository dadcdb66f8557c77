"""The case state machine (识别程序 and 风险消除): which action moves which stage for whom, and what the
identification steps set on the case — without PostgreSQL or a broker."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from backstop_common.auth import Principal, Role
from backstop_common.clock import LOCAL
from backstop_common.i18n import ZH, translate
from backstop_common.problems import Conflict, Unprocessable
from monitoring.domain import steps
from monitoring.domain.workflow import TRANSITIONS, actions_for, target
from monitoring.models import Case
from monitoring.models.cases import IDENTIFYING_SQL, OPEN_STAGES_SQL
from monitoring.vocab import CLOSED, IDENTIFYING, Category, Stage

from .policy import VILLAGE, facts, policy

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ctx(case: Case, to: Stage, household=None, **body) -> steps.Ctx:
    note = SimpleNamespace(note=None, reason=None, measures=None, visited_on=None, findings=None, method=None)
    vars(note).update(body)
    return steps.Ctx(uow=None, case=case, body=note, principal=Principal("u1", Role.COUNTY_STAFF, VILLAGE),
                     household=household, policy=policy(), now=NOW, to=to)


def case(stage: Stage = Stage.OPENED, **over) -> Case:
    return Case(id=uuid.uuid4(), household_id=uuid.uuid4(), village_code=VILLAGE, stage=stage, source="event",
                opened_at=NOW, risk_types=["99"], **over)


def test_identification_runs_village_village_township_county():
    path = [("verify", Role.VILLAGE_CADRE), ("post-notice", Role.VILLAGE_CADRE), ("review", Role.TOWNSHIP_STAFF),
            ("confirm", Role.COUNTY_STAFF)]
    stage = Stage.OPENED
    for action, role in path:
        assert role in TRANSITIONS[action].roles and action in actions_for(role, stage)
        allowed, stage = target(action, stage)
        assert allowed
    assert stage == Stage.CONFIRMED


def test_an_action_out_of_its_stage_is_refused_and_keeps_the_stage():
    assert target("confirm", Stage.OPENED) == (False, Stage.OPENED)
    assert target("eliminate", Stage.CONFIRMED) == (False, Stage.CONFIRMED)
    assert "confirm" not in actions_for(Role.VILLAGE_CADRE, Stage.REVIEWED)


def test_a_refused_elimination_returns_to_monitoring_and_a_closed_case_only_reopens():
    assert target("reject", Stage.ELIMINATION_PROPOSED) == (True, Stage.CONFIRMED)
    assert target("reject", Stage.NOTICE_POSTED) == (True, Stage.REJECTED)
    for stage in CLOSED:
        assert [a for a, t in TRANSITIONS.items() if stage in t.targets] == ["reopen"]


def test_plan_and_visit_keep_the_stage():
    assert target("plan", Stage.VERIFIED) == (True, Stage.VERIFIED)
    assert target("visit", Stage.CONFIRMED) == (True, Stage.CONFIRMED)


def test_the_sql_predicates_name_the_same_stages_as_the_vocabulary():
    open_stages = {s for s in Stage if s not in CLOSED}
    assert OPEN_STAGES_SQL == f"stage NOT IN ({', '.join(repr(str(s)) for s in sorted(CLOSED, key=list(Stage).index))})"
    assert IDENTIFYING_SQL == f"stage IN ({', '.join(repr(str(s)) for s in IDENTIFYING)})"
    assert set(IDENTIFYING) < open_stages


async def test_verifying_sets_the_notice_step_due_by_the_policy():
    c = case()
    name, fields = await steps.verify(ctx(c, Stage.VERIFIED))
    assert name == "case.verified" and c.due_step == "notice" and c.due_at == NOW + timedelta(days=2)
    assert fields["due_at"] == c.due_at


async def test_the_township_reviews_only_after_the_public_notice_ran():
    c = case(Stage.NOTICE_POSTED, notice_ends_at=NOW + timedelta(hours=1))
    with pytest.raises(Conflict) as refused:
        await steps.review(ctx(c, Stage.REVIEWED))
    ends = c.notice_ends_at.astimezone(LOCAL)  # the refusal names the county's date and minute, not ISO
    assert translate(refused.value.detail, ZH, "monitoring") == \
        f"村内公示至 {ends.year}年{ends.month}月{ends.day}日 {ends:%H:%M} 结束；请在公示期满后审核"
    c.notice_ends_at = NOW
    name, _ = await steps.review(ctx(c, Stage.REVIEWED))
    assert name == "case.reviewed" and c.due_step == "confirm" and c.due_at == NOW + timedelta(days=3)


async def test_confirming_categorises_and_starts_the_plan_and_visit_clocks():
    c = case(Stage.REVIEWED)
    household = facts(per_capita_income=Decimal("5000"), housing_grade="C")
    name, fields = await steps.confirm(ctx(c, Stage.CONFIRMED, household))
    assert name == "case.confirmed" and c.category == Category.UNSTABLE_LIFTED and c.gaps == ["housing"]
    assert c.plan_due_at == NOW + timedelta(days=15) and c.next_visit_due == NOW + timedelta(days=90)
    assert c.due_step is None and fields["plan_due_at"] == c.plan_due_at


async def test_a_case_helped_at_once_owes_no_plan_after_confirmation():
    c = case(Stage.REVIEWED, planned_at=NOW - timedelta(days=1))
    await steps.confirm(ctx(c, Stage.CONFIRMED))
    assert c.plan_due_at is None and c.category == Category.SUDDEN_HARDSHIP


async def test_a_rejection_needs_a_reason_and_closes_the_case():
    c = case(Stage.VERIFIED)
    with pytest.raises(Unprocessable):
        await steps.reject(ctx(c, Stage.REJECTED))
    name, fields = await steps.reject(ctx(c, Stage.REJECTED, reason="收入已稳定"))
    assert name == "case.rejected" and c.closed_at == NOW and c.due_step is None and fields == {"reason": "收入已稳定"}
