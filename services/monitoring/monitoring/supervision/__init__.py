"""Supervision: 12317 reports (举报) and households' own risk declarations (自主申报), on ``monitoring.supervision``.

Wiring (monitoring's main.py): ``routers=[router, public_router, declarations_router, declarations_public]``, ``background=[..., *BACKGROUND]``,
``load_supervision_policy(session)`` at start, ``app.state.vault = vault_from(settings)``.
"""

from monitoring.supervision import events  # noqa: F401  (registers the monitoring.supervision events)
from monitoring.supervision.api import router
from monitoring.supervision.deadlines import supervision_sweeper
from monitoring.supervision.models import TABLES
from monitoring.supervision.declarations_api import public_router as declarations_public
from monitoring.supervision.declarations_api import router as declarations_router
from monitoring.supervision.public import router as public_router
from monitoring.supervision.seed import load_supervision_policy
from monitoring.supervision.sms_sender import sms_sender
from monitoring.supervision.vault import vault_from

BACKGROUND = [supervision_sweeper, sms_sender]

__all__ = ["BACKGROUND", "TABLES", "declarations_public", "declarations_router", "load_supervision_policy",
           "public_router", "router", "vault_from"]
