"""Supervision's pure rules, without PostgreSQL: working days, who handles a report, attachments, the vault."""

import base64
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from backstop_common.i18n import translate
from backstop_common.problems import Unprocessable
from monitoring.config import Settings
from monitoring.supervision import attachments
from monitoring.supervision.routing import handling_area
from monitoring.supervision.schemas import AttachmentIn
from monitoring.supervision.vault import vault_from
from monitoring.supervision.workdays import add_working_days, seconds_to_local_midnight

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_working_day_skips_the_national_day_holidays():
    # 30 Sep 2026 (Wed, 10:00 Beijing): 1 Oct–7 Oct are holidays, the 8th is the first working day after
    assert add_working_days(datetime(2026, 9, 30, 2, tzinfo=UTC), 1) == datetime(2026, 10, 8, 2, tzinfo=UTC)


def test_a_working_day_counts_a_swapped_weekend_workday():
    # Sat 10 Oct 2026 is a workday (调休 for the National Day): Fri 9 Oct + 1 working day is that Saturday
    assert add_working_days(datetime(2026, 10, 9, 2, tzinfo=UTC), 1) == datetime(2026, 10, 10, 2, tzinfo=UTC)


def test_a_report_received_on_saturday_is_due_on_monday():
    assert add_working_days(datetime(2026, 12, 5, 2, tzinfo=UTC), 1) == datetime(2026, 12, 7, 2, tzinfo=UTC)


def test_a_daily_limit_resets_at_local_midnight():
    # 23:00 Beijing = 15:00 UTC: one hour left in the local day
    assert seconds_to_local_midnight(datetime(2026, 12, 1, 15, 0, tzinfo=UTC)) == 3600


def test_a_village_report_goes_to_its_township_unless_it_names_the_township():
    assert handling_area("211204201203", "township", None) == ("211204201000", False)
    assert handling_area("211204201203", "township", "village") == ("211204201000", False)
    assert handling_area("211204201203", "township", "township") == ("211204000000", True)


def test_an_image_is_checked_by_its_bytes_not_its_label():
    good = AttachmentIn(filename="a.png", content_type="image/png", data_base64=base64.b64encode(PNG).decode())
    assert attachments.decode(good) == PNG
    fake = AttachmentIn(filename="a.png", content_type="image/png",
                        data_base64=base64.b64encode(b"MZ\x90\x00 not an image").decode())
    with pytest.raises(Unprocessable) as refused:
        attachments.decode(fake)
    # said in the caller's language from the service's catalogue (issue 14)
    assert translate(refused.value.detail, "zh-CN", "monitoring") == "附件内容与类型不符（仅接受 JPEG、PNG、WebP 图片）"
    assert translate(refused.value.detail, "en", "monitoring").startswith("the attachment does not match its type")


def test_the_vault_needs_a_key_outside_a_dev_machine():
    vault = vault_from(Settings())  # the dev JWT secret: a derived key
    sealed = vault.seal("13912345678")
    assert b"13912345678" not in sealed and vault.open(sealed) == "13912345678"
    production = Settings(jwt_secret="x" * 40 + "-a-real-secret", backstop_env="production")
    assert vault_from(production) is None and "MONITORING_SUPERVISION_KEY" in production.secret_problem()
    keyed = production.model_copy(update={"supervision_key": Fernet.generate_key().decode()})
    assert keyed.secret_problem() is None and vault_from(keyed) is not None
    assert "Fernet" in production.model_copy(update={"supervision_key": "not-a-key"}).secret_problem()
