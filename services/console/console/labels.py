"""The console's message catalogue: a Chinese label for every code value the services answer with.

Codes stay English on the wire; a user never sees one. A code missing here is shown as 其他 and logged,
so a new code in a service shows up in the logs instead of on a screen in English.
"""

import structlog

from backstop_common.vocab import ZH

log = structlog.get_logger()

#: the Chinese labels, one source with the services' GET /api/v1/vocab (backstop_common.vocab)
LABELS: dict[str, dict[str, str]] = ZH

FALLBACK = "其他"


def label(kind: str, code: str | None) -> str:
    """The Chinese label of ``code`` in vocabulary ``kind``; never the code itself."""
    if code is None or code == "":
        return "—"
    found = LABELS.get(kind, {}).get(str(code))
    if found is None:
        log.warning("console.label_missing", kind=kind, code=str(code))
        return FALLBACK
    return found
