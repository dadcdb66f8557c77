"""The two calls supervision makes to other Backstop services, with a short-lived ``system`` token:
registry — whose ID number is this (in the body, never a URL); notifications — send this SMS through your
provider (the phone goes only over this authenticated call, never over the event bus)."""

import uuid

import httpx

from backstop_common.auth import mint_token
from monitoring.config import Settings

TOKEN_TTL_S = 300


class PeerError(Exception):
    """The other service could not be reached or refused; the caller retries later."""


def _headers(settings: Settings, area: str) -> dict[str, str]:
    token = mint_token(settings, role="system", area=area, subject="monitoring", ttl_s=TOKEN_TTL_S)
    return {"Authorization": f"Bearer {token}"}


async def match_member(settings: Settings, id_number: str, county: str) -> tuple[uuid.UUID, str] | None:
    """(household id, village) of the current member with this ID number in the county, or None."""
    try:
        async with httpx.AsyncClient(timeout=settings.internal_timeout_s) as client:
            resp = await client.post(f"{settings.registry_url}/api/v1/members/match", json={"id_number": id_number},
                                     headers=_headers(settings, county))
    except httpx.HTTPError as exc:
        raise PeerError(f"registry unreachable: {type(exc).__name__}") from exc
    if resp.status_code == 404:
        return None
    if resp.status_code != 200:
        raise PeerError(f"registry answered HTTP {resp.status_code}")
    body = resp.json()
    return uuid.UUID(body["household_id"]), body["village_code"]


async def send_sms(settings: Settings, ref: uuid.UUID, phone: str, template: str, params: dict) -> None:
    try:
        async with httpx.AsyncClient(timeout=settings.internal_timeout_s) as client:
            resp = await client.post(f"{settings.notifications_url}/api/v1/direct-sms",
                                     json={"ref": str(ref), "phone": phone, "template": template, "params": params},
                                     headers=_headers(settings, "000000000000"))
    except httpx.HTTPError as exc:
        raise PeerError(f"notifications unreachable: {type(exc).__name__}") from exc
    if resp.status_code != 202:
        raise PeerError(f"notifications answered HTTP {resp.status_code}")
