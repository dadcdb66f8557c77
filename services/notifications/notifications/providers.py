"""Channels behind one interface: the logging provider by default, real ones chosen by settings.

A provider gets the recipient (for its address) and the text; it raises ``DeliveryError`` with a
message that never contains the address.
"""

import asyncio
import smtplib
from email.message import EmailMessage
from typing import Protocol

import httpx
import structlog

from notifications.config import Settings
from notifications.models import Recipient

log = structlog.get_logger()
CHANNELS = ("sms", "email", "group")


class DeliveryError(Exception):
    """The channel refused or could not be reached; retried by the dispatcher."""


class Provider(Protocol):
    channel: str

    async def send(self, recipient: Recipient, text: str, *, message_ref: str) -> None: ...


def address_of(recipient: Recipient, channel: str) -> str | None:
    return {"sms": recipient.phone, "email": recipient.email, "group": recipient.group_webhook_url}.get(channel)


class LoggingProvider:
    """Writes that it would send (recipient id and length only, never the address or text)."""

    def __init__(self, channel: str):
        self.channel = channel

    async def send(self, recipient: Recipient, text: str, *, message_ref: str) -> None:
        log.info("notify.sent", channel=self.channel, provider="logging", recipient_id=str(recipient.id),
                 message_ref=message_ref, length=len(text))


class HttpSmsProvider:
    """A JSON SMS gateway: POST ``{"to", "text", "sign"}``; any non-2xx is a failure."""

    channel = "sms"

    def __init__(self, settings: Settings):
        self._s = settings

    async def send(self, recipient: Recipient, text: str, *, message_ref: str) -> None:
        headers = {"Authorization": f"Bearer {self._s.sms_gateway_token}"} if self._s.sms_gateway_token else {}
        body = {"to": recipient.phone, "text": f"【{self._s.sms_sign}】{text}", "ref": message_ref}
        await _post(self._s.sms_gateway_url or "", body, headers, self._s.provider_timeout_s)


class GroupRobotProvider:
    """WeCom (企业微信) / DingTalk (钉钉) group robots: a text message to the unit's robot URL."""

    channel = "group"

    def __init__(self, settings: Settings):
        self._s = settings

    async def send(self, recipient: Recipient, text: str, *, message_ref: str) -> None:
        body = {"msgtype": "text", "text": {"content": text}}
        answer = await _post(recipient.group_webhook_url or "", body, {}, self._s.provider_timeout_s)
        if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
            raise DeliveryError(f"robot answered errcode {answer.get('errcode')}")


class SmtpEmailProvider:
    channel = "email"

    def __init__(self, settings: Settings):
        self._s = settings

    def _send_sync(self, to: str, text: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self._s.smtp_sender, to, "Backstop 通知"
        msg.set_content(text)
        with smtplib.SMTP(self._s.smtp_host, self._s.smtp_port, timeout=self._s.provider_timeout_s) as smtp:
            smtp.send_message(msg)

    async def send(self, recipient: Recipient, text: str, *, message_ref: str) -> None:
        try:
            await asyncio.to_thread(self._send_sync, recipient.email or "", text)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__}") from exc


async def _post(url: str, body: dict, headers: dict, timeout: float):
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            resp = await client.post(url, json=body, headers=headers)
    except Exception as exc:  # noqa: BLE001  (network errors, odd URLs)
        raise DeliveryError(f"unreachable: {type(exc).__name__}") from exc
    if resp.status_code >= 300:
        raise DeliveryError(f"answered HTTP {resp.status_code}")
    try:
        return resp.json()
    except ValueError:
        return None


def build_providers(settings: Settings) -> dict[str, Provider]:
    providers: dict[str, Provider] = {c: LoggingProvider(c) for c in CHANNELS}
    if settings.sms_provider == "http":
        providers["sms"] = HttpSmsProvider(settings)
    if settings.group_provider in ("wecom", "dingtalk"):
        providers["group"] = GroupRobotProvider(settings)
    if settings.email_provider == "smtp":
        providers["email"] = SmtpEmailProvider(settings)
    return providers
