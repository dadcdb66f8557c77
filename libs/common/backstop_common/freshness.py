"""Whether a read model fed by another service's events may be behind that service.

A service that finds nothing in its read model for an id another service owns cannot tell "does not
exist" from "has not arrived yet" unless its consumer is caught up with the topic (consumer.Positions).
While it may be behind, the honest answer is 503 "not synchronised yet, retry" with ``Retry-After``,
and nothing is flagged; once caught up, "unknown" is the answer (docs/architecture.md "Read models").
"""

from backstop_common.i18n import msg
from backstop_common.problems import NotYetSynchronised
from backstop_common.topics import MONITORING_CASE, REGISTRY_HOUSEHOLD

#: what the user is told has not arrived yet, by the topic it arrives on
_WHAT = {REGISTRY_HOUSEHOLD: "Registry data", MONITORING_CASE: "Monitoring data"}
RETRY_AFTER_S = 5


class Freshness:
    """This service's consumer position, as a decision needs it (no consumer here: nothing to wait for)."""

    def __init__(self, positions=None):
        self._positions = positions

    def may_be_behind(self, topic: str) -> bool:
        return self._positions is not None and not self._positions.caught_up(topic)

    def ensure_caught_up(self, topic: str, **extensions) -> None:
        """Raise 503 NotYetSynchronised when the read model fed by ``topic`` may be behind."""
        if self.may_be_behind(topic):
            what = msg(_WHAT.get(topic, "Upstream data"))
            raise NotYetSynchronised(msg("{what} has not been synchronised to this service yet (it may still be on "
                                         "its way); retry shortly", what=what),
                                     retry_after=RETRY_AFTER_S, code="read_model_behind", topic=topic,
                                     lag=self._positions.lag(topic), **extensions)

