"""Re-screening an area after its income line changed: ONE set-based statement over the read model.

Households of the area whose latest income is below the new line, and whose income's year has this row
as the one in force (the year itself, or a later year no newer row covers), get an
``income_below_line`` signal; the signals' unique fact key makes only the *newly* below ones count
(those already signalled for the same income keep their signal). Each new signal joins the
household's open case or opens one, and the ``case.opened`` / ``risk.detected`` events are written to
the outbox by the same statement. Households under a deeper area that set its own row for the same
year, or whose income is of a year a newer row covers, keep that row and are skipped.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from asgi_correlation_id import correlation_id
from pydantic import TypeAdapter
from sqlalchemy import ARRAY, DateTime, Integer, Numeric, String, bindparam, text

from backstop_common.envelope import event_type, source_of
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.domain.dates import add_days
from monitoring.models import Policy
from monitoring.models.cases import OPEN_STAGES_SQL
from monitoring.vocab import MAX_RISK_TYPES, RISK_CODES

RESCREEN = text(f"""
WITH cand AS MATERIALIZED (
    SELECT h.household_id, h.village_code, h.per_capita_income, h.income_year, h.main_cause,
           oc.id AS open_case_id, oc.stage AS open_stage, coalesce(oc.id, gen_random_uuid()) AS case_id
      FROM household_facts h
      LEFT JOIN cases oc ON oc.household_id = h.household_id AND oc.{OPEN_STAGES_SQL}
     WHERE h.village_code LIKE :scope || '%' AND h.per_capita_income < :line
       AND coalesce(h.income_year, :current_year) >= :year
       -- the row is the one in force for the income's year (policy.effective_policy): no row of the
       -- household's chain is newer yet not after that year, nor deeper for the same year
       AND NOT EXISTS (SELECT 1 FROM policies p
                        WHERE h.village_code LIKE p.scope || '%'
                          AND (p.year > :year AND p.year <= coalesce(h.income_year, :current_year)
                               OR p.year = :year AND length(p.scope) > length(:scope)))),
sig AS (
    INSERT INTO signals (id, household_id, village_code, risk_type, rule, fact_key, facts, source, case_id,
                         created_at)
    SELECT gen_random_uuid(), household_id, village_code,
           CASE WHEN main_cause = ANY(:codes) THEN main_cause ELSE '99' END, 'income_below_line',
           coalesce(income_year::text, '?') || ':' || per_capita_income::text,
           jsonb_build_object('per_capita_income', per_capita_income::text, 'income_line', :line_text,
                              'year', income_year), 'rescreen', case_id, :now
      FROM cand
    ON CONFLICT ON CONSTRAINT uq_signals_fact DO NOTHING
    RETURNING id, household_id, village_code, risk_type, facts, case_id),
new_cases AS (
    INSERT INTO cases (id, household_id, village_code, stage, risk_types, gaps, source, opened_at,
                       decision_due_at, due_step, due_at, next_due_at, version, updated_at)
    SELECT s.case_id, s.household_id, s.village_code, 'opened', ARRAY[s.risk_type], '{{}}', 'rescreen', :now,
           :decision_due, 'verify', :verify_due, :verify_due, 1, :now
      FROM sig s JOIN cand c ON c.household_id = s.household_id WHERE c.open_case_id IS NULL
    RETURNING id, household_id, village_code, risk_types),
joined AS (
    UPDATE cases c SET version = c.version + 1, updated_at = :now,
           risk_types = CASE WHEN s.risk_type = ANY(c.risk_types) THEN c.risk_types
                             WHEN s.risk_type = ANY(:codes) AND :max_codes <= (
                                  SELECT count(*) FROM unnest(c.risk_types) AS t WHERE t = ANY(:codes))
                             THEN c.risk_types  -- at most five codes, as merge_risk_types
                             ELSE c.risk_types || s.risk_type END
      FROM sig s WHERE c.id = s.case_id
    RETURNING c.id),
history AS (
    INSERT INTO case_steps (id, case_id, action, from_stage, to_stage, note, data, at)
    SELECT gen_random_uuid(), s.case_id, CASE WHEN c.open_case_id IS NULL THEN 'open' ELSE 'signal' END,
           c.open_stage, coalesce(c.open_stage, 'opened'), 'income_below_line',
           jsonb_build_object('signal_id', s.id, 'risk_type', s.risk_type, 'source', 'rescreen'), :now
      FROM sig s JOIN cand c ON c.household_id = s.household_id
    RETURNING 1),
events AS (
    INSERT INTO outbox (id, topic, key, type, source, subject, area_code, correlation_id, time, data, attempts)
    SELECT gen_random_uuid(), :topic, subject, type, :source, subject, village_code, :correlation_id,
           :event_time, data, 0
      FROM (SELECT 0 AS ord, n.id::text AS subject, :opened_type AS type, n.village_code,
                   jsonb_build_object('case_id', n.id, 'household_id', n.household_id,
                                      'village_code', n.village_code, 'actor', NULL,
                                      'risk_types', to_jsonb(n.risk_types), 'source', 'rescreen',
                                      'stage', 'opened', 'due_at', :verify_due_text) AS data
              FROM new_cases n
            UNION ALL
            SELECT 1, s.case_id::text, :detected_type, s.village_code,
                   jsonb_build_object('case_id', s.case_id, 'household_id', s.household_id,
                                      'village_code', s.village_code, 'actor', NULL, 'signal_id', s.id,
                                      'risk_type', s.risk_type, 'rule', 'income_below_line', 'facts', s.facts,
                                      'source', 'rescreen')
              FROM sig s) e
     ORDER BY ord
    RETURNING 1)
SELECT (SELECT count(*) FROM cand), (SELECT count(*) FROM sig), (SELECT count(*) FROM new_cases),
       (SELECT count(*) FROM joined), (SELECT count(*) FROM history),
       (SELECT count(*) FROM events)
""").bindparams(
    *(bindparam(name, type_=String) for name in ("scope", "line_text", "verify_due_text", "topic", "source",
                                                 "correlation_id", "opened_type", "detected_type")),
    *(bindparam(name, type_=DateTime(timezone=True)) for name in ("now", "verify_due", "decision_due",
                                                                  "event_time")),
    bindparam("year", type_=Integer), bindparam("max_codes", type_=Integer), bindparam("current_year", type_=Integer),
    bindparam("line", type_=Numeric(14, 2)), bindparam("codes", type_=ARRAY(String)))


@dataclass
class RescreenResult:
    households_below_line: int
    signals_opened: int
    cases_opened: int
    cases_joined: int
    cluster_alerts: int = 0


async def rescreen(uow: UnitOfWork, policy: Policy, now: datetime) -> RescreenResult:
    # new cases must not race an event handler opening one for the same household; signals first,
    # then cases: the order a handler takes them in, so the two wait for each other, never deadlock
    await uow.session.execute(text("LOCK TABLE signals, cases IN SHARE ROW EXCLUSIVE MODE"))
    verify_due = add_days(now, policy.verify_days)
    row = (await uow.session.execute(RESCREEN, {
        "scope": policy.scope, "line": policy.income_line, "line_text": str(policy.income_line),
        "year": policy.year, "max_codes": MAX_RISK_TYPES, "current_year": now.year, "codes": sorted(RISK_CODES), "now": now,
        "verify_due": verify_due, "verify_due_text": TypeAdapter(datetime).dump_python(verify_due, mode="json"),
        "decision_due": add_days(now, policy.decision_days), "topic": MONITORING_CASE,
        "source": source_of("monitoring"), "correlation_id": correlation_id.get(),
        "event_time": datetime.now(UTC), "opened_type": event_type("monitoring", "case.opened"),
        "detected_type": event_type("monitoring", "risk.detected")})).one()
    return RescreenResult(households_below_line=row[0], signals_opened=row[1], cases_opened=row[2],
                          cases_joined=row[3])
