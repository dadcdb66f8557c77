"""The pure rules: quiet hours, digest time, backoff, conditions, templates, masking, which rule speaks and
where a target level points, webhook matching (no I/O)."""

import gc
import weakref
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backstop_common.testing import make_event
from notifications.domain.areas import at_level, event_area, office_role
from notifications.domain.conditions import all_hold, render
from notifications.domain.directory import mask_email
from notifications.domain.masking import strip_personal
from notifications.domain.routing import Plan, precedence
from notifications.domain.schedule import after_quiet_hours, backoff, next_digest_at
from notifications.domain.targets import Lookups
from notifications.domain.webhooks import matches, payload
from notifications.models import Recipient, RoutingRule, WebhookSubscription
from notifications.vocab import template_fields

TZ = "Asia/Shanghai"


def at(local_hour: int, minute: int = 0) -> datetime:
    """A UTC instant at a Shanghai wall-clock time on 2026-11-23."""
    return datetime(2026, 11, 23, local_hour, minute, tzinfo=UTC) - timedelta(hours=8)


def test_quiet_hours_wrapping_midnight_defer_to_their_end():
    start, end = time(22), time(7)
    assert after_quiet_hours(at(21, 59), start, end, TZ) == at(21, 59)
    assert after_quiet_hours(at(23), start, end, TZ) == at(7) + timedelta(days=1)
    assert after_quiet_hours(at(3), start, end, TZ) == at(7)
    assert after_quiet_hours(at(7), start, end, TZ) == at(7)
    assert after_quiet_hours(at(3), None, None, TZ) == at(3)


def test_quiet_hours_within_a_day():
    assert after_quiet_hours(at(12, 30), time(12), time(14), TZ) == at(14)


def test_digest_is_today_or_tomorrow():
    assert next_digest_at(at(9), 20, TZ) == at(20)
    assert next_digest_at(at(21), 20, TZ) == at(20) + timedelta(days=1)


def test_backoff_grows_with_jitter_and_is_capped():
    assert backoff(1, 10, 3600, rng=lambda: 0) == timedelta(seconds=5)
    assert backoff(3, 10, 3600, rng=lambda: 1) == timedelta(seconds=40)
    assert backoff(30, 10, 3600, rng=lambda: 1) == timedelta(seconds=3600)


def test_conditions():
    data = {"status": "dropped_out", "amount": "12000.50", "risk_types": ["01", "09"], "job_lost": False}
    assert all_hold([{"field": "status", "op": "eq", "value": "dropped_out"}], data)
    assert all_hold([{"field": "amount", "op": "gt", "value": "12000"}], data)
    assert not all_hold([{"field": "amount", "op": "lt", "value": 100}], data)
    assert all_hold([{"field": "risk_types", "op": "in", "value": ["09"]}], data)
    assert not all_hold([{"field": "job_lost", "op": "truthy"}], data)
    assert not all_hold([{"field": "missing", "op": "gt", "value": 1}], data)


def test_templates():
    assert render("户{household_id}：{risk_types}，{missing}", {"household_id": "h1", "risk_types": ["01", "09"]}) == "户h1：01,09，-"
    assert template_fields("{a} {b.c}") == ["a", "b.c"]
    with pytest.raises(ValueError):
        template_fields("{a!r}")
    with pytest.raises(ValueError):
        template_fields("{a.__class__}")
    with pytest.raises(ValueError):
        template_fields("{a[0]}")


def test_personal_identifiers_are_stripped():
    data = {"household_id": "h", "name": "张三", "helper_user_ids": ["u1"], "actor": {"user_id": "u", "role": "helper"},
            "note": "身份证110105199003071234 电话13812345678", "members": [{"phone": "139", "age": 9}]}
    out = strip_personal(data)
    assert out == {"household_id": "h", "actor": {"role": "helper"},
                   "note": "身份证110105********1234 电话138****5678", "members": [{"age": 9}]}


def test_lookup_walks_lists():
    from notifications.domain.conditions import lookup

    data = {"measures": [{"responsible_unit": "education", "helper_user_id": None},
                         {"responsible_unit": "health", "helper_user_id": "u9"}]}
    assert lookup(data, "measures.responsible_unit") == ["education", "health"]
    assert lookup(data, "measures.helper_user_id") == ["u9"]


def test_an_overdue_decision_limit_names_the_step_in_the_readers_language():
    """The 15-day limit's escalation (step ``decision``) reads 15天内作出认定, never the code."""
    from notifications.domain.default_rules import DEFAULT_RULES
    from notifications.domain.labels import labelled

    overdue = next(r for r in DEFAULT_RULES if r["name"] == "case.overdue")
    event = {"step": "decision", "due_at": "2026-12-01T08:00:00+08:00", "escalate_to_area": "211204000000"}
    zh = render(overdue["template_zh"], labelled("case.overdue", event, "zh-CN"))
    en = render(overdue["template_en"], labelled("case.overdue", event, "en"))
    assert "“15天内作出认定”环节已超期" in zh and "decision" not in zh
    assert "Decision within 15 days" in en
    assert "2026-12-01" not in zh + en and "2026年12月1日 08:00" in zh and "1 December 2026, 08:00" in en
    # a code no vocabulary names is shown as it is; other events' fields are left alone
    assert labelled("case.overdue", {"step": "someday"}, "zh-CN")["step"] == "someday"
    assert labelled("case.opened", {"step": "decision"}, "zh-CN")["step"] == "decision"


def test_a_risk_signal_names_its_screening_rule_by_its_label_and_dates_read_as_the_countys():
    """``risk.detected`` carries the rule's code (``major_illness``); the message reads 患大病, never the code."""
    from notifications.domain.default_rules import DEFAULT_RULES
    from notifications.domain.labels import labelled

    detected = next(r for r in DEFAULT_RULES if r["name"] == "risk.detected")
    event = {"risk_type": "01", "rule": "major_illness", "source": "event"}
    zh = render(detected["template_zh"], labelled("risk.detected", event, "zh-CN"))
    en = render(detected["template_en"], labelled("risk.detected", event, "en"))
    assert "类型因病，规则患大病" in zh and "major_illness" not in zh
    assert "rule Major illness" in en
    visit = labelled("case.visit_recorded", {"visited_on": "2026-12-01", "next_visit_due": "2027-03-01T16:30:00Z",
                                             "note": "2026-12-01 见面"}, "zh-CN")
    assert visit == {"visited_on": "2026年12月1日", "next_visit_due": "2027年3月2日 00:30", "note": "2026-12-01 见面"}



def test_every_default_template_reads_only_the_fields_it_names():
    """Routing labels only the fields a plan's templates name (``conditions.named``): for every default rule, the
    text filled from those alone is the text filled from the whole event."""
    from notifications.domain.conditions import named
    from notifications.domain.default_rules import DEFAULT_RULES
    from notifications.domain.labels import labelled

    assert named("户{household_id}：{measures.responsible_unit}，{household_id}") == {"household_id", "measures"}
    event = {"household_id": "h1", "step": "decision", "due_at": "2026-12-01T08:00:00+08:00", "grade": "D",
             "measures": [{"responsible_unit": "civil_affairs"}], "members": [{"member_id": "m1"}], "size": 3,
             "risk_type": "01", "rule": "major_illness", "reason": "death", "year": 2026, "visited_on": "2026-12-01"}
    for rule in DEFAULT_RULES:
        for template, language in ((rule["template_zh"], "zh-CN"), (rule["template_en"], "en")):
            only = {f: v for f, v in event.items() if f in named(template)}
            assert render(template, labelled(rule["event_type"], only, language)) == \
                render(template, labelled(rule["event_type"], event, language)), rule["name"]

def _rule(name: str, **over) -> RoutingRule:
    fields = dict(name=name, event_type="risk.detected", template_zh="z", template_en="e", conditions=[],
                  targets=[], channels=[])
    return RoutingRule(**(fields | over))


def test_the_urgent_then_the_most_specific_rule_gives_the_text():
    county = _rule("county", area_prefix="211204")
    village = _rule("village", area_prefix="211204001001")
    conditional = _rule("conditional", area_prefix="211204", conditions=[{"field": "a", "op": "exists"}])
    urgent = _rule("urgent", urgent=True)
    assert [r.name for r in sorted([county, village, conditional, urgent], key=precedence)] == [
        "urgent", "village", "conditional", "county"]


def test_several_rules_for_one_recipient_merge_into_one_message():
    first = _rule("a", channels=["sms"], needs_ack=True, ack_hours=48)
    plan = Plan(Recipient(area_code="211204001001"), first)
    for rule in (first, _rule("b", channels=["group", "sms"], urgent=True, needs_ack=True, ack_hours=24),
                 _rule("c", channels=["email"], needs_ack=False, ack_hours=1)):
        plan.add(rule)
    assert plan.channels == ["sms", "group", "email"]
    assert plan.urgent and plan.ack_hours == 24  # the tightest deadline of the rules that need an answer


def test_a_target_level_is_the_area_it_names_above_the_event():
    village = "211204001001"
    assert at_level(village, "event") == at_level(village, "within") == village
    assert at_level(village, "parent") == at_level(village, "township") == "211204001000"
    assert at_level(village, "county") == "211204000000"
    assert at_level("211204000000", "township") is None  # a county event has no township above it
    assert at_level(None, "county") is None
    assert (office_role(village), office_role("211204001000"), office_role("211204000000")) == (
        "village_cadre", "township_staff", "county_staff")


def test_an_event_area_is_its_header_else_a_twelve_digit_code_in_its_data():
    assert event_area(make_event("monitoring", "risk.detected", "s", area_code="211204001001", data={})) == "211204001001"
    assert event_area(make_event("funds", "subsidy.paid", "s", data={"village_code": "211204001002"})) == "211204001002"
    assert event_area(make_event("funds", "subsidy.paid", "s", data={"area_code": "2112"})) is None


def test_a_webhook_matches_its_area_and_its_event_patterns():
    sub = WebhookSubscription(name="w", url="http://x", secret="s", owner_area="211204000000",
                              area_prefix="211204001", event_types=["case.*", "subsidy.paid"])
    assert matches(sub, "case.confirmed", "211204001001")
    assert matches(sub, "subsidy.paid", "211204001002")
    assert not matches(sub, "risk.detected", "211204001001")
    assert not matches(sub, "case.confirmed", "211204002001")  # outside its area
    assert not matches(sub, "case.confirmed", None)
    everything = WebhookSubscription(name="w", url="http://x", secret="s", owner_area="211204000000", event_types=["*"])
    assert matches(everything, "anything.at_all", None)


def test_a_webhook_payload_carries_no_personal_identifier():
    event = make_event("registry", "household.registered", "h1", area_code="211204001001",
                       data={"household_id": "h1", "head_name": "张三", "phone": "13812345678", "size": 3})
    body = payload(event, "household.registered", "211204001001")
    assert body["data"] == {"household_id": "h1", "size": 3}
    assert (body["type"], body["subject"], body["area_code"]) == ("household.registered", "h1", "211204001001")


def test_an_email_shown_masked_keeps_its_first_letter_and_domain():
    assert mask_email("zhangsan@example.cn") == "z***@example.cn"
    assert mask_email(None) is None and mask_email("") == ""


def test_a_batch_is_cut_at_each_read_model_change_and_at_a_household_registered_again():
    from types import SimpleNamespace

    from notifications.handlers import segments

    def event(name: str, household: str):
        return make_event("registry" if name.startswith(("household", "member")) else "monitoring", name, household,
                          {"household_id": household}), SimpleNamespace(household_id=household)
    items = [event("risk.detected", "a"), event("case.opened", "a"), event("household.registered", "a"),
             event("household.registered", "b"), event("household.registered", "a"), event("member.added", "b"),
             event("household.helper_assigned", "b"), event("household.updated", "b"),
             event("household.registered", "c")]
    cut = [(kind, [data.household_id for _, data in run]) for kind, run in segments(items)]
    assert cut == [("route", ["a", "a"]), ("register", ["a", "b"]), ("register", ["a"]), ("route", ["b"]),
                   ("change", ["b"]), ("change", ["b"]), ("register", ["c"])]


def test_a_transactions_lookups_go_with_its_session():
    """The lookups of a consumer transaction (its households read, its session's identity map) are let go with the
    session: they once held it, and every transaction of a bulk digest stayed in memory."""
    session = AsyncSession()
    lookups = Lookups.of(session)
    assert Lookups.of(session) is lookups and lookups.session is session
    gone, kept = weakref.ref(session), weakref.ref(lookups)
    del session, lookups
    gc.collect()
    assert gone() is None and kept() is None
