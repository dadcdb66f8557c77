"""SMS to reporters' and declarants' phones, queued in the same transaction as the step that needs them and
handed to notifications by a background job (``sms_sender``: retried with backoff; a restart loses nothing).
The phone and the parameters stay encrypted."""

import json
import uuid

from backstop_common.uow import UnitOfWork
from monitoring.supervision.models import SmsRequest
from monitoring.supervision.vault import Vault


def queue(uow: UnitOfWork, vault: Vault, phone_enc: bytes, template: str, params: dict) -> uuid.UUID:
    """Stage one SMS; its id is the opaque reference notifications logs."""
    now = uow.clock.now()
    request = SmsRequest(template=template, phone_enc=phone_enc, params_enc=vault.seal(json.dumps(params)),
                         next_attempt_at=now, created_at=now)
    uow.session.add(request)
    return request.id
