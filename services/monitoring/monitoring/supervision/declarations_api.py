"""Routes of self-declarations (thin): the public's two calls (a code, then the declaration) and the village's
and township's verification."""

import uuid
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import expected_version
from backstop_common.openapi import actions, refuses_roles
from backstop_common.paging import Page, Paging
from backstop_common.privacy import mask_id_number, mask_phone
from backstop_common.problems import Problem, Unprocessable
from monitoring.supervision import codes, declarations, peers, repository
from monitoring.supervision.public import LIMITED, PUBLIC
from monitoring.supervision.schemas import (CodeIn, CodeSent, DeclarationActionIn, DeclarationDetail, DeclarationIn,
                                            DeclarationOut, Receipt)

public_router = APIRouter(prefix="/public", tags=["public"])
router = APIRouter(prefix="/supervision", tags=["supervision"])
log = structlog.get_logger()
Version = Annotated[int, Depends(expected_version)]
#: declarations.act's steps: accept or decline after verifying, visit an unregistered declarer
DeclarationAction = actions("DeclarationAction", ("accept", "decline", "visit"))
#: the one answer to every accepted declaration, whether or not the ID number is registered (no enumeration)
RECEIVED = "已收到您的申报，村（社区）或乡镇工作人员将尽快与您联系核实。"


@public_router.post("/declarations/codes", status_code=202, openapi_extra=PUBLIC, responses=LIMITED,
                    summary="获取自主申报短信验证码（无需登录）")
async def send_code(body: CodeIn, request: Request, uow: UoW) -> CodeSent:
    """获取自主申报验证码 — sends a one-time code by SMS.

    The first of the public's two calls: a code to the phone that will confirm the declaration (rate-limited)."""
    await codes.request_code(uow, request.app.state.vault, body)
    await uow.commit()
    return CodeSent(message="验证码已发送，请查收短信。", expires_in_s=codes.CODE_MINUTES * 60)


@public_router.post("/declarations", status_code=202, openapi_extra=PUBLIC, responses=LIMITED,
                    summary="农户自主申报（无需登录，手机验证码确认）")
async def declare(body: DeclarationIn, request: Request, uow: UoW) -> Receipt:
    """农户自主申报 — a household declares a difficulty.

    The second call: the declaration with the code sent; the answer is the same whether or not the ID number is
    registered."""
    settings = request.app.state.settings

    async def match(id_number: str, county: str):
        try:
            return await peers.match_member(settings, id_number, county)
        except peers.PeerError as exc:
            log.warning("supervision.registry_unavailable", error=str(exc))
            raise Problem("the declaration cannot be taken in right now; please try again later", status=503) from exc

    found = await declarations.declare(uow, request.app.state.vault, body, match)
    await uow.commit()
    if found is None:
        raise Unprocessable("the verification code is wrong or has expired; please get a new one")
    return Receipt(reference=found.id, message=RECEIVED)


@router.get("/declarations", responses=refuses_roles("verifiers and auditors only"))
async def list_declarations(uow: UoW, principal: CurrentPrincipal, paging: Paging, status: str | None = None,
                            household_id: uuid.UUID | None = None) -> Page[DeclarationOut]:
    """自主申报列表 — declarations in the caller's area.

    Filter by status and household; identifiers never appear in the list."""
    principal.ensure_role(*declarations.READERS)
    rows, total = await repository.list_declarations(uow.session, principal.scope, status=status,
                                                     household_id=household_id, limit=paging.limit,
                                                     offset=paging.offset)
    return Page(items=[DeclarationOut.model_validate(d) for d in rows], total=total)


@router.get("/declarations/{declaration_id}")
async def get_declaration(declaration_id: uuid.UUID, request: Request, uow: UoW,
                          principal: CurrentPrincipal) -> DeclarationDetail:
    """自主申报详情 — one declaration.

    Name, ID number and phone masked unless the caller's role sees identifiers (a read is logged)."""
    d = await declarations.get(uow, principal, declaration_id)
    vault = request.app.state.vault
    name, id_number, phone = vault.open(d.name_enc), vault.open(d.id_number_enc), vault.open(d.phone_enc)
    if principal.sees_identifiers:
        log.info("supervision.identity_read", declaration_id=str(d.id), user=principal.subject)
    else:
        name, id_number, phone = (name or "")[:1] + "**", mask_id_number(id_number), mask_phone(phone)
    return DeclarationDetail.model_validate({**DeclarationOut.model_validate(d).model_dump(), "name": name,
                                             "id_number": id_number, "phone": phone})


@router.post("/declarations/{declaration_id}/{action}")
async def declaration_action(declaration_id: uuid.UUID, action: DeclarationAction, request: Request, uow: UoW,
                             principal: CurrentPrincipal, version: Version,
                             body: DeclarationActionIn | None = None) -> DeclarationOut:
    """自主申报核实操作 — one step of verifying a declaration.

    accept, decline, or visit (an unregistered declarer), against the version last read (If-Match)."""
    d = await declarations.act(uow, request.app.state.vault, principal, declaration_id, action.value,
                               body or DeclarationActionIn(), version)
    await uow.commit()
    return DeclarationOut.model_validate(d)
