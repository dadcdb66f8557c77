"""Cluster alert (规模性返贫预警): when the share of a village's households with new signals in the
policy window crosses the policy threshold, ``area.cluster_alert`` fires once per village per window.

Windows are fixed buckets of ``cluster_window_days`` since the epoch; the (village, bucket) primary
key of ``cluster_alerts`` makes "once" hold under concurrent writers too.
"""

from datetime import datetime
from decimal import Decimal

from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.events import ClusterAlertData
from monitoring.models import Policy
from monitoring.repository import sweeps


async def check(uow: UnitOfWork, policy: Policy, now: datetime, *, scope: str, village: str = "") -> int:
    """Fire the alert for villages under ``scope`` (or the one ``village``); returns how many fired."""
    window = policy.cluster_window_days
    rows = await sweeps.cluster_alerts(uow.session, scope=scope, village=village, now=now, window_days=window,
                                       bucket=bucket_of(policy, now), threshold=policy.cluster_threshold,
                                       min_households=policy.cluster_min_households)
    return _announce(uow, policy, rows)


def bucket_of(policy: Policy, now: datetime) -> int:
    return int(now.timestamp() // (policy.cluster_window_days * 86400))


def crossed(policy: Policy, n: int, total: int) -> bool:
    """``n`` of ``total`` households with signals in the window reach the policy's alert (``CLUSTER_ALERTS``)."""
    return total > 0 and n >= policy.cluster_min_households and Decimal(n) / Decimal(total) >= policy.cluster_threshold


async def fire(uow: UnitOfWork, policy: Policy, now: datetime, village: str, n: int, total: int) -> int:
    """The village's alert with the figures it crossed at (a batch replaying the per-event checks)."""
    rows = await sweeps.record_cluster_alert(uow.session, village=village, bucket=bucket_of(policy, now), now=now,
                                             n=n, total=total, threshold=policy.cluster_threshold,
                                             window_days=policy.cluster_window_days)
    return _announce(uow, policy, rows)


def _announce(uow: UnitOfWork, policy: Policy, rows) -> int:
    window = policy.cluster_window_days
    for village_code, n, total, share in rows:
        uow.publish(MONITORING_CASE, "area.cluster_alert", subject=village_code, area_code=village_code,
                    data=ClusterAlertData(area_code=village_code, window_days=window, households_with_signals=n,
                                          households_total=total, share=share, threshold=policy.cluster_threshold))
    return len(rows)
