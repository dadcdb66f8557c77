"""Investigation campaigns (大排查), problem lists and rectification (整改), annual targets (挂图作战).

Wiring (done by monitoring's main.py): ``routers=[router]``, ``handlers=merge_handlers(HANDLERS_OF_MONITORING,
HANDLERS)``, ``background=[..., *BACKGROUND]``; tables: ``monitoring.campaigns.models.TABLES``.
"""

from monitoring.campaigns import events  # noqa: F401  (registers the monitoring.campaign events)
from monitoring.campaigns.api import router
from monitoring.campaigns.background import BACKGROUND
from monitoring.campaigns.handlers import HANDLERS, merge_handlers
from monitoring.campaigns.models import TABLES
from monitoring.campaigns.seed import load_checklist, load_demo_targets

__all__ = ["BACKGROUND", "HANDLERS", "TABLES", "load_checklist", "load_demo_targets", "merge_handlers", "router"]
