"""Risk elimination (风险消除) conditions: all must hold, else the refusal lists the unmet ones."""

from datetime import datetime

from backstop_common.i18n import msg, when
from monitoring.domain.dates import add_months
from monitoring.domain.rules import gaps
from monitoring.models import Case, HouseholdFacts, Policy


def unmet_conditions(case: Case, household: HouseholdFacts | None, policy: Policy | None,
                     open_measures: int, now: datetime) -> list[dict]:
    unmet: list[dict] = []
    if household is None or policy is None:
        return [{"condition": "facts", "detail": msg("no household facts or no policy for this area and year")}]
    pci = household.per_capita_income
    if pci is None or pci < policy.income_line:
        unmet.append({"condition": "income_above_line",
                      "detail": msg("per-capita income {pci} is not above the line {line}", pci=pci,
                                    line=policy.income_line)})
    else:
        since = max(m for m in (household.income_above_since, case.confirmed_at) if m is not None) \
            if (household.income_above_since or case.confirmed_at) else now
        stable_from = add_months(since, policy.stable_months)
        if stable_from > now:
            unmet.append({"condition": "income_stable", "detail": msg(
                "income above the line since {since}; needs {months} months, until {until}",
                since=when(since), months=policy.stable_months, until=when(stable_from))})
    for gap in gaps(household):
        unmet.append({"condition": f"secured_{gap}", "detail": msg("{gap} is not secured (两不愁三保障/饮水)", gap=msg(gap))})
    oop = household.medical_out_of_pocket
    if oop is not None and oop >= policy.medical_oop_threshold:
        unmet.append({"condition": "medical_cost_resolved",
                      "detail": msg("self-paid medical cost {oop} is at or above {threshold}", oop=oop,
                                    threshold=policy.medical_oop_threshold)})
    if household.labour_capable_members == 0:
        unmet.append({"condition": "labour_capacity",
                      "detail": msg("a household without labour capacity stays monitored")})
    if open_measures:
        unmet.append({"condition": "no_open_measures", "detail": msg("{count} assistance measures still open", count=open_measures)})
    return unmet
