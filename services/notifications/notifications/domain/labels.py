"""Code values read as words in a message: ``{step}`` of an overdue case says 入户核实, not ``verify``.

Events carry codes (they stay English on the wire); a template's placeholder that holds one is filled
with the vocabulary's label in the message's language. Codes no vocabulary names are shown as they are.
"""

from backstop_common.i18n import EN
from backstop_common.vocab import ZH, english

#: per event type, the data fields that hold a code and the vocabulary (backstop_common.vocab) naming it
CODED_FIELDS: dict[str, dict[str, str]] = {
    "case.overdue": {"step": "due_step"},
    "risk.detected": {"risk_type": "risk_type", "source": "source"},
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


def labelled(event_type: str, values: dict, language: str) -> dict:
    """``values`` with each coded field of ``event_type`` replaced by its label in ``language``."""
    fields = CODED_FIELDS.get(event_type, {})
    return {**values, **{f: label(kind, values[f], language) for f, kind in fields.items() if f in values}}
