"""Whether a read model fed by another service's events may be behind that service.

A service that finds nothing in its read model for an id another service owns cannot tell "does not
exist" from "has not arrived yet" unless its consumer is caught up with the topic (consumer.Positions).
While it may be behind, the honest answer is 503 "not synchronised yet, retry" with ``Retry-After``,
and nothing is flagged; once caught up, "unknown" is the answer (docs/architecture.md "Read models").

Caught up is judged against the partitions' ends asked of the broker at the time of the miss, not the ends the
consumer last saw: those are as old as its last fetch — up to ``kafka_fetch_idle_wait_ms`` on a quiet stack —
and a household registered just before was answered 404 (session 9's CI). A miss costs one broker request.
"""

from backstop_common.i18n import msg
from backstop_common.problems import NotYetSynchronised
from backstop_common.topics import MONITORING_CASE, REGISTRY_HOUSEHOLD

#: what the user is told has not arrived yet, by the topic it arrives on
_WHAT = {REGISTRY_HOUSEHOLD: "Registry data", MONITORING_CASE: "Monitoring data"}
RETRY_AFTER_S = 5


class Freshness:
    """This service's consumer, as a decision needs its position (no consumer here: nothing to wait for)."""

    def __init__(self, consumer=None):
        self._consumer = consumer
        # what had been applied when the request began, before it read its read model: a record applied while the
        # broker is asked must not make the miss it already had look final
        self._seen = consumer.positions.snapshot() if consumer is not None else None

    async def ensure_caught_up(self, topic: str, **extensions) -> None:
        """Raise 503 NotYetSynchronised when the read model fed by ``topic`` may be behind the broker now."""
        if self._consumer is None:
            return
        positions = await self._consumer.positions_now(self._seen)
        if not positions.caught_up(topic):
            what = msg(_WHAT.get(topic, "Upstream data"))
            raise NotYetSynchronised(msg("{what} has not been synchronised to this service yet (it may still be on "
                                         "its way); retry shortly", what=what),
                                     retry_after=RETRY_AFTER_S, code="read_model_behind", topic=topic,
                                     lag=positions.lag(topic), **extensions)

