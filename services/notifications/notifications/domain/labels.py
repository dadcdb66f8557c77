"""Code values read as words in a message: ``{step}`` of an overdue case says 入户核实, not ``verify``.

Events carry codes (they stay English on the wire); a template's placeholder that holds one is filled
with the vocabulary's label in the message's language. Codes no vocabulary names are shown as they are.
Dates and instants (``due_at``, ``visited_on`` …, ISO on the wire) read as the county's date:
2026年12月1日, an instant with its minute (``backstop_common.i18n.when``).
"""

import re
from datetime import date, datetime

from backstop_common.i18n import EN, when
from backstop_common.i18n import ZH as ZH_CN  # the vocabularies' Chinese labels are ZH below
from backstop_common.vocab import ZH, english

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")

#: per event type, the data fields that hold a code and the vocabulary (backstop_common.vocab) naming it
CODED_FIELDS: dict[str, dict[str, str]] = {
    "case.overdue": {"step": "due_step"},
    "risk.detected": {"risk_type": "risk_type", "source": "source", "rule": "rule"},
    "member.employment_changed": {"employment": "employment"},
    "case.confirmed": {"category": "category"},
    "household.measure_given": {"measure_type": "measure"},
    "household.disaster_reported": {"disaster_type": "risk_type"},
    "fund.allocated": {"source": "fund_source"},
    "project.stage_changed": {"from_stage": "project_stage", "to_stage": "project_stage"},
    "subsidy.paid": {"kind": "subsidy_kind"},
    "finance.anomaly_detected": {"kind": "anomaly"},
    "finance.anomaly_resolved": {"kind": "anomaly"},
}


def label(kind: str, code: object, language: str) -> object:
    if not isinstance(code, str) or code not in ZH.get(kind, {}):
        return code
    return english(kind, code) if language == EN else ZH[kind][code]


def _when(value: object) -> when | None:
    """An ISO date or zoned instant as the county reads it (``when``); None for anything else."""
    if isinstance(value, str):
        if ISO_DATE.fullmatch(value):
            return when(date.fromisoformat(value))
        if ISO_INSTANT.fullmatch(value):
            return when(datetime.fromisoformat(value))
    return None


def labelled_in_both(event_type: str, values: dict) -> tuple[dict, dict]:
    """``values`` with each coded field of ``event_type`` replaced by its label, each date as the county's date, in
    Chinese and in English: a message is written in both, and each value is looked at once for the two."""
    fields = CODED_FIELDS.get(event_type, {})
    zh, en = {}, {}
    for field, value in values.items():
        if field in fields:
            zh[field], en[field] = label(fields[field], value, ZH_CN), label(fields[field], value, EN)
        elif (day := _when(value)) is not None:
            zh[field], en[field] = day.render(ZH_CN), day.render(EN)
        else:
            zh[field] = en[field] = value
    return zh, en


def labelled(event_type: str, values: dict, language: str) -> dict:
    """``labelled_in_both``'s values in ``language``."""
    return labelled_in_both(event_type, values)[language == EN]
