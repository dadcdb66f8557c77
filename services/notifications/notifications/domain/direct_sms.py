"""An SMS another Backstop service has sent through our provider (直发短信): monitoring's one-time codes and its
answers to households' declarations. The phone is used once and never stored or logged; a ref already sent
sends nothing again. Templates are ours (zh), the caller gives only their parameters."""

import uuid

import structlog

from backstop_common.auth import Principal, Role
from backstop_common.i18n import msg
from backstop_common.problems import Problem, Unprocessable
from backstop_common.uow import UnitOfWork
from notifications.models import Recipient
from notifications.providers import DeliveryError, Provider
from notifications.repository import direct_sms as repo

log = structlog.get_logger()

TEMPLATES = {
    "otp": "您的验证码为{code}，{minutes}分钟内有效。仅用于防返贫自主申报，请勿告诉他人。",
    "declaration_declined": "您申报的困难情况经村（社区）入户核实，暂未认定为监测对象，原因：{reason}。如有异议，"
                            "可向乡镇反映或拨打12317。",
}


def render(template: str, params: dict[str, str]) -> str:
    try:
        return TEMPLATES[template].format(**params)
    except KeyError as exc:
        raise Unprocessable(msg("template {template} needs parameter {name}", template=template,
                                 name=exc.args[0])) from exc


async def send(uow: UnitOfWork, principal: Principal, sms: Provider, ref: uuid.UUID, phone: str, template: str,
               params: dict[str, str]) -> bool:
    """Sends it once (services only); answers whether ``ref`` was a duplicate. A provider refusal is a 502 the
    caller retries, and records nothing."""
    principal.ensure_role(Role.SYSTEM)
    if await repo.already_sent(uow.session, ref):
        return True
    text = render(template, params)
    target = Recipient(id=ref, kind="person", area_code="000000000000", phone=phone, channels=["sms"])
    try:
        await sms.send(target, text, message_ref=str(ref))
    except DeliveryError as exc:
        log.warning("notify.direct_sms_failed", ref=str(ref), template=template, error=str(exc))
        raise Problem("the SMS provider refused or was unreachable; retry", status=502) from exc
    repo.record(uow.session, ref, template, principal.subject)
    log.info("notify.direct_sms", ref=str(ref), template=template)
    return False
