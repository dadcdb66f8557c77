"""The real providers against a real local HTTP server: what they send, and errors that never hold the address."""

import json

import pytest

from notifications.config import Settings
from notifications.models import Recipient
from notifications.providers import DeliveryError, GroupRobotProvider, HttpSmsProvider, build_providers

from .http_receiver import Receiver

PHONE = "13912345678"


def _settings(url: str) -> Settings:
    return Settings(sms_provider="http", sms_gateway_url=url, sms_gateway_token="t0k", group_provider="dingtalk",
                    provider_timeout_s=2.0)


async def test_http_sms_gateway_gets_phone_and_signed_text():
    with Receiver(200) as gateway:
        await HttpSmsProvider(_settings(gateway.url)).send(Recipient(area_code="211204001001", phone=PHONE), "有新通知",
                                                           message_ref="m1")
    headers, body = gateway.requests[0]
    assert json.loads(body) == {"to": PHONE, "text": "【防返贫监测】有新通知", "ref": "m1"}
    assert headers["authorization"] == "Bearer t0k"


async def test_failures_never_carry_the_address():
    with Receiver(503) as gateway:
        with pytest.raises(DeliveryError) as err:
            await HttpSmsProvider(_settings(gateway.url)).send(Recipient(area_code="211204001001", phone=PHONE), "x",
                                                               message_ref="m2")
    assert str(err.value) == "answered HTTP 503" and PHONE not in str(err.value)
    with pytest.raises(DeliveryError) as err:  # nothing listens there
        await HttpSmsProvider(_settings("http://127.0.0.1:9/sms")).send(
            Recipient(area_code="211204001001", phone=PHONE), "x", message_ref="m3")
    assert str(err.value).startswith("unreachable") and PHONE not in str(err.value)


async def test_group_robot_posts_text_and_settings_choose_providers():
    with Receiver(200) as robot:
        await GroupRobotProvider(_settings("")).send(Recipient(area_code="211204000000", group_webhook_url=robot.url),
                                                     "资金异常", message_ref="m4")
    assert json.loads(robot.requests[0][1]) == {"msgtype": "text", "text": {"content": "资金异常"}}
    chosen = build_providers(_settings("http://gw"))
    assert type(chosen["sms"]).__name__ == "HttpSmsProvider" and type(chosen["email"]).__name__ == "LoggingProvider"
    assert {type(p).__name__ for p in build_providers(Settings()).values()} == {"LoggingProvider"}


@pytest.mark.parametrize("url", ["http://", "http://[::1", "http://127.0.0.1:99999/x"])
async def test_odd_urls_are_failures_not_crashes(url):
    with pytest.raises(DeliveryError):
        await GroupRobotProvider(_settings("")).send(Recipient(area_code="211204000000", group_webhook_url=url), "x",
                                                     message_ref="m5")
