"""One-time codes (短信验证码) that confirm a declarant's phone, and the daily limits of the public routes.

A code is 6 digits, valid ``CODE_MINUTES``, at most ``CODE_ATTEMPTS`` wrong tries; only its keyed hash is kept
and the SMS that carries it is queued encrypted (``sms``)."""

import secrets
from datetime import datetime, timedelta

from backstop_common.i18n import msg
from backstop_common.problems import TooManyRequests
from backstop_common.uow import UnitOfWork
from monitoring.supervision import repository, sms
from monitoring.supervision.models import PhoneCode
from monitoring.supervision.schemas import CodeIn
from monitoring.supervision.vault import Vault
from monitoring.supervision.workdays import local_day_start, seconds_to_local_midnight

CODE_MINUTES = 10
CODE_ATTEMPTS = 5


def ensure_under_daily_limit(count: int, allowed: int, now: datetime, what: str) -> None:
    if count >= allowed:
        raise TooManyRequests(msg("{what}: today's limit is reached; please try again tomorrow", what=msg(what)),
                              retry_after=seconds_to_local_midnight(now))


def _code_hash(vault: Vault, phone: str, code: str) -> str:
    return vault.key_of(f"code:{phone}:{code}")


async def request_code(uow: UnitOfWork, vault: Vault, body: CodeIn) -> None:
    """A one-time code to the phone (only its keyed hash is kept; the SMS parameters stay encrypted)."""
    now, phone_key = uow.clock.now(), vault.key_of(f"phone:{body.phone}")
    policy = await repository.policy_for(uow.session, body.area_code)
    ensure_under_daily_limit(await repository.codes_since(uow.session, phone_key, local_day_start(now)),
                             policy.codes_per_phone_per_day, now, "verification codes for this phone number")
    code = f"{secrets.randbelow(10**6):06d}"
    uow.session.add(PhoneCode(phone_key=phone_key, code_hash=_code_hash(vault, body.phone, code),
                              expires_at=now + timedelta(minutes=CODE_MINUTES), created_at=now))
    sms.queue(uow, vault, vault.seal(body.phone), "otp", {"code": code, "minutes": str(CODE_MINUTES)})
    await uow.session.flush()


async def use_code(uow: UnitOfWork, vault: Vault, phone: str, code: str, now: datetime) -> bool:
    """Whether the code is right; a wrong guess is counted (the route commits it before refusing)."""
    found = await repository.latest_code(uow.session, vault.key_of(f"phone:{phone}"), now)
    if found is None or found.attempts >= CODE_ATTEMPTS:
        return False
    if not secrets.compare_digest(found.code_hash, _code_hash(vault, phone, code)):
        found.attempts += 1
    else:
        found.used_at = now
    uow.session.add(found)
    await uow.session.flush()
    return found.used_at is not None
