"""SMS to reporters' and declarants' phones, queued in the same transaction as the step that needs them and
handed to notifications by a background job (retried with backoff; a restart loses nothing). The phone and the
parameters stay encrypted; the parameters (a one-time code) are erased once the code could no longer be used."""

import json
import uuid
from datetime import datetime, timedelta

import structlog
from fastapi import FastAPI
from sqlalchemy import update

from backstop_common.jobs import periodic
from backstop_common.uow import UnitOfWork
from monitoring.supervision import peers, repository
from monitoring.supervision.models import SmsRequest
from monitoring.supervision.vault import Vault

log = structlog.get_logger()
BACKOFF_S = (5, 30, 120, 600)
#: after this the parameters (a one-time code) are erased, sent or not
KEEP_PARAMS = timedelta(minutes=30)


def queue(uow: UnitOfWork, vault: Vault, phone_enc: bytes, template: str, params: dict) -> uuid.UUID:
    """Stage one SMS; its id is the opaque reference notifications logs."""
    now = uow.clock.now()
    request = SmsRequest(template=template, phone_enc=phone_enc, params_enc=vault.seal(json.dumps(params)),
                         next_attempt_at=now, created_at=now)
    uow.session.add(request)
    return request.id


async def _send(app: FastAPI, request: SmsRequest, now: datetime) -> None:
    vault: Vault = app.state.vault
    phone, params = vault.open(request.phone_enc), vault.open(request.params_enc)
    if phone is None or params is None:
        request.sent_at, request.last_error = now, "unreadable"  # a rotated key: nothing can be sent
        return
    try:
        await peers.send_sms(app.state.settings, request.id, phone, request.template, json.loads(params))
    except peers.PeerError as exc:
        request.attempts += 1
        request.last_error = str(exc)
        request.next_attempt_at = now + timedelta(seconds=BACKOFF_S[min(request.attempts, len(BACKOFF_S)) - 1])
        log.warning("supervision.sms_retry", ref=str(request.id), attempts=request.attempts, error=str(exc))
        return
    request.sent_at, request.phone_enc = now, None
    log.info("supervision.sms_handed_over", ref=str(request.id), template=request.template)


async def send_pending(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        now = app.state.uow.clock.now()
        requests = await repository.pending_sms(session, now)
        for request in requests:
            await _send(app, request, now)
            session.add(request)
        await session.execute(update(SmsRequest).where(SmsRequest.created_at < now - KEEP_PARAMS,
                                                       SmsRequest.params_enc.is_not(None)).values(params_enc=None))
        await session.commit()
    return len(requests)


sms_sender = periodic("supervision.sms", send_pending, interval="sms_interval_s")
