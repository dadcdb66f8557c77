"""A policy row and a household's facts as the pure rules see them, without a database."""

import uuid
from decimal import Decimal

from monitoring.models import HouseholdFacts, Policy

VILLAGE = "211204001001"


def policy(**over) -> Policy:
    values = dict(year=2021, area_code="211204000000", scope="211204", income_line=Decimal("6000.00"),
                  income_drop_share=Decimal("0.3000"), medical_oop_threshold=Decimal("10000.00"),
                  medical_oop_income_share=Decimal("0.5000"), disaster_loss_threshold=Decimal("5000.00"),
                  verify_days=3, post_notice_days=2, notice_days=5, review_days=7, confirm_days=3, decision_days=15,
                  plan_days=15, visit_interval_days=90, stable_months=6, dibao_line=Decimal("4400.00"),
                  cluster_threshold=Decimal("0.1000"), cluster_window_days=30, cluster_min_households=5)
    values.update(over)
    return Policy(**values)


def facts(**over) -> HouseholdFacts:
    values = dict(household_id=uuid.uuid4(), village_code=VILLAGE, poverty_status="lifted", size=3)
    values.update(over)
    return HouseholdFacts(**values)
