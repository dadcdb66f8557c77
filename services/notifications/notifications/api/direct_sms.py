"""/api/v1/direct-sms: another Backstop service (a ``system`` token) has one SMS sent through this service's
provider to a phone it holds — monitoring's one-time codes and its answers to households' declarations.

The phone comes only over this authenticated call, never over the event bus; it is not stored and never
logged (the provider logs the reference and the length). Templates are ours (zh, ``domain.direct_sms``), the
caller sends only their parameters.
"""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.examples import example
from notifications.api.deps import ctx_of
from notifications.domain import direct_sms

router = APIRouter(tags=["direct-sms"])

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


@router.post("/direct-sms", status_code=202)
async def send_direct(body: DirectSmsIn, request: Request, uow: UoW, principal: CurrentPrincipal) -> DirectSmsOut:
    """直发短信 — another service has one SMS sent (services only).

    A one-time code or a declaration's answer to a phone the calling service holds; the phone is never stored. The
    same ref again answers duplicate=true."""
    duplicate = await direct_sms.send(uow, principal, ctx_of(request).providers["sms"], body.ref, body.phone,
                                      body.template, body.params)
    await uow.commit()
    return DirectSmsOut(ref=body.ref, duplicate=duplicate)
