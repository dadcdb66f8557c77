"""Cluster alert (规模性返贫预警): when the share of a village's households with new signals in the
policy window crosses the policy threshold, ``area.cluster_alert`` fires once per village per window.

Windows are fixed buckets of ``cluster_window_days`` since the epoch; the (village, bucket) primary
key of ``cluster_alerts`` makes "once" hold under concurrent writers too.
"""

from datetime import datetime, timedelta

from sqlalchemy import text

from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.events import ClusterAlertData
from monitoring.models import Policy

CHECK = text("""
WITH totals AS (
    SELECT village_code, count(*) AS total FROM household_facts
    WHERE village_code LIKE :scope || '%' AND (:village = '' OR village_code = :village) GROUP BY village_code),
hit AS (
    SELECT village_code, count(DISTINCT household_id) AS n FROM signals
    WHERE village_code LIKE :scope || '%' AND (:village = '' OR village_code = :village) AND created_at >= :since
    GROUP BY village_code)
INSERT INTO cluster_alerts (village_code, window_bucket, fired_at, households_with_signals, households_total,
                            share, threshold, window_days)
SELECT t.village_code, :bucket, :now, h.n, t.total, round(h.n::numeric / t.total, 4), :threshold, :window
FROM totals t JOIN hit h USING (village_code)
WHERE h.n >= :min_households AND h.n::numeric / t.total >= :threshold
ON CONFLICT DO NOTHING
RETURNING village_code, households_with_signals, households_total, share
""")


async def check(uow: UnitOfWork, policy: Policy, now: datetime, *, scope: str, village: str = "") -> int:
    """Fire the alert for villages under ``scope`` (or the one ``village``); returns how many fired."""
    window = policy.cluster_window_days
    bucket = int(now.timestamp() // (window * 86400))
    rows = (await uow.session.execute(CHECK, {
        "scope": scope, "village": village, "since": now - timedelta(days=window), "bucket": bucket,
        "now": now, "threshold": policy.cluster_threshold, "window": window,
        "min_households": policy.cluster_min_households})).all()
    for village_code, n, total, share in rows:
        uow.publish(MONITORING_CASE, "area.cluster_alert", subject=village_code, area_code=village_code,
                    data=ClusterAlertData(area_code=village_code, window_days=window, households_with_signals=n,
                                          households_total=total, share=share, threshold=policy.cluster_threshold))
    return len(rows)
