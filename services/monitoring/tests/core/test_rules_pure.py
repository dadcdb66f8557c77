"""The registry-fact rules without PostgreSQL: what a member's pension stopping makes of it."""

import uuid
from datetime import UTC, datetime

from backstop_events.registry import MemberPensionChanged
from monitoring.domain.rules import pension
from monitoring.models import HouseholdFacts


def _facts() -> HouseholdFacts:
    return HouseholdFacts(household_id=uuid.uuid4(), village_code="211204101207",
                          updated_at=datetime(2026, 11, 30, 9, tzinfo=UTC))


def _event(data: dict) -> MemberPensionChanged:
    """The payload as the consumer hands it to the rule (parsed into backstop_events.registry's model)."""
    return MemberPensionChanged.model_validate({"household_id": str(uuid.uuid4()), "village_code": "211204101207",
                                                **data})


def test_a_pension_no_longer_drawn_is_a_signal_naming_the_yearly_loss():
    member = str(uuid.uuid4())
    stopped = _event({"member_id": member, "pension": "none", "previous_pension": "receiving",
                      "pension_monthly": None, "previous_pension_monthly": "186.50", "pension_stopped": True})
    [draft] = pension(stopped, _facts(), None)
    assert (draft.risk_type, draft.rule, draft.fact_key) == ("99", "pension_stopped", f"{member}:2026-11-30")
    assert draft.facts["yearly_loss"] == "2238.00"


def test_a_pension_starting_or_changing_is_no_signal():
    started = _event({"member_id": str(uuid.uuid4()), "pension": "receiving", "previous_pension": "contributing",
                      "pension_monthly": "150.00", "previous_pension_monthly": None, "pension_stopped": False})
    assert pension(started, _facts(), None) == []
