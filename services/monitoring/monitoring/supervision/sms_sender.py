"""The job that hands queued SMS (``sms.queue``) to notifications, retried with backoff; each round is one
unit of work the kernel's job runner builds and commits (``jobs.unit_of_work``). The parameters are erased
once the code could no longer be used."""

import json
from datetime import datetime, timedelta

import structlog
from fastapi import FastAPI

from backstop_common.jobs import periodic, unit_of_work
from monitoring.supervision import peers, repository
from monitoring.supervision.models import SmsRequest
from monitoring.supervision.vault import Vault

log = structlog.get_logger()
BACKOFF_S = (5, 30, 120, 600)
#: after this the parameters (a one-time code) are erased, sent or not
KEEP_PARAMS = timedelta(minutes=30)


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
    async with unit_of_work(app) as uow:
        now = uow.clock.now()
        requests = await repository.pending_sms(uow.session, now)
        for request in requests:
            await _send(app, request, now)
            uow.session.add(request)
        await repository.erase_params(uow.session, before=now - KEEP_PARAMS)
    return len(requests)


sms_sender = periodic("supervision.sms", send_pending, interval="sms_interval_s")
