"""/api/v1/direct-sms: another Backstop service (a ``system`` token) has one SMS sent through this service's
provider to a phone it holds — monitoring's one-time codes and its answers to households' declarations.

The phone comes only over this authenticated call, never over the event bus; it is not stored and never
logged (the provider logs the reference and the length). Templates are ours (zh), the caller sends only
their parameters.
"""

import uuid
from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, Role
from backstop_common.examples import example
from backstop_common.i18n import msg
from backstop_common.problems import Problem, Unprocessable
from notifications.api.deps import ctx_of
from notifications.models import DirectSms, Recipient
from notifications.providers import DeliveryError

router = APIRouter(tags=["direct-sms"])
log = structlog.get_logger()

TEMPLATES = {
    "otp": "您的验证码为{code}，{minutes}分钟内有效。仅用于防返贫自主申报，请勿告诉他人。",
    "declaration_declined": "您申报的困难情况经村（社区）入户核实，暂未认定为监测对象，原因：{reason}。如有异议，"
                            "可向乡镇反映或拨打12317。",
}
Param = Annotated[str, StringConstraints(max_length=300)]


@example({"ref": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
          "phone": "13800001234",
          "template": "otp",
          "params": {"code": "123456", "minutes": "10"}})
class DirectSmsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: uuid.UUID
    phone: Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")]
    template: Literal["otp", "declaration_declined"]
    params: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,20}$")], Param] = Field(max_length=5)


class DirectSmsOut(BaseModel):
    ref: uuid.UUID
    duplicate: bool


def render(template: str, params: dict[str, str]) -> str:
    try:
        return TEMPLATES[template].format(**params)
    except KeyError as exc:
        raise Unprocessable(msg("template {template} needs parameter {name}", template=template,
                                 name=exc.args[0])) from exc


@router.post("/direct-sms", status_code=202)
async def send_direct(body: DirectSmsIn, request: Request, uow: UoW, principal: CurrentPrincipal) -> DirectSmsOut:
    """直发短信 — another service has one SMS sent (services only).

    A one-time code or a declaration's answer to a phone the calling service holds; the phone is never stored. The
    same ref again answers duplicate=true."""
    principal.ensure_role(Role.SYSTEM)
    if await uow.session.get(DirectSms, body.ref) is not None:
        return DirectSmsOut(ref=body.ref, duplicate=True)
    text = render(body.template, body.params)
    target = Recipient(id=body.ref, kind="person", area_code="000000000000", phone=body.phone, channels=["sms"])
    try:
        await ctx_of(request).providers["sms"].send(target, text, message_ref=str(body.ref))
    except DeliveryError as exc:
        log.warning("notify.direct_sms_failed", ref=str(body.ref), template=body.template, error=str(exc))
        raise Problem("the SMS provider refused or was unreachable; retry", status=502) from exc
    uow.session.add(DirectSms(ref=body.ref, template=body.template, requested_by=principal.subject))
    await uow.commit()
    log.info("notify.direct_sms", ref=str(body.ref), template=body.template)
    return DirectSmsOut(ref=body.ref, duplicate=False)
