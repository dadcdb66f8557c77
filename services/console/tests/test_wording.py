"""What a user reads: Chinese labels for every code, dates, money, masked names, refusals in Chinese."""

from datetime import date, datetime, timezone

import pytest

from console.backend import ApiRefused
from console.formatting import date_cn, days_left, mask_name, money
from console.labels import FALLBACK, label
from console.oidc import user_from_claims
from console.refusals import VERSION_CONFLICT, explain, field_errors


def test_dates_read_as_a_chinese_date_in_beijing_time():
    assert date_cn("2026-12-01") == "2026年12月1日"
    # 16:30 UTC on 1 December is already 2 December in the county
    assert date_cn(datetime(2026, 12, 1, 16, 30, tzinfo=timezone.utc)) == "2026年12月2日"
    assert date_cn(None) == "—"
    assert days_left("2026-12-04T00:00:00+08:00", date(2026, 12, 1)) == 3


@pytest.mark.parametrize("value, shown", [("1234.5", "¥1,234.50"), ("0", "¥0.00"), ("7550000.00", "¥7,550,000.00"),
                                          (None, "—")])
def test_money_reads_in_yuan_with_two_places(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize("name, shown", [("张三丰", "张*丰"), ("张三", "张*"), ("欧阳小明", "欧**明")])
def test_a_notice_masks_the_name(name, shown):
    assert mask_name(name) == shown


def test_a_code_is_never_shown_only_its_label():
    assert label("stage", "notice_posted") == "村内公示中"
    assert label("risk_type", "0201") == "因洪涝灾害"
    assert label("stage", "something_new") == FALLBACK


def test_a_services_refusal_is_shown_in_its_own_words_and_the_console_speaks_only_where_it_says_nothing():
    stage = ApiRefused("monitoring", 409, {"detail": "监测案例处于「待核实」阶段，不能执行「县级审批」", "stage": "opened"},
                       "zh-CN")
    assert explain(stage) == "监测案例处于「待核实」阶段，不能执行「县级审批」"
    stale = ApiRefused("monitoring", 409, {"detail": "案例已被他人修改（版本 3，您提交的是 2）", "current_version": 3}, "zh-CN")
    assert explain(stale) == VERSION_CONFLICT == "已被他人修改，请刷新后重试。"
    untranslated = ApiRefused("funds", 409, {"detail": "cannot list a project in stage declared"}, "zh-CN")
    assert explain(untranslated) == "当前状态下不能执行此操作。"
    english = ApiRefused("funds", 409, {"detail": "cannot list a project in stage declared"}, "en")
    assert explain(english) == "当前状态下不能执行此操作。"  # the pages are Chinese: never an English sentence
    assert explain(ApiRefused("monitoring", 403, {}, None)) == "您的角色无权执行此操作。"
    invalid = ApiRefused("monitoring", 422, {"detail": "请求无效", "errors": [
        {"loc": ["body", "note"], "msg": "必填"}, {"loc": ["body", "evidence", 0], "msg": "value too long"}]}, "zh-CN")
    assert field_errors(invalid) == {"note": "必填", "evidence": "此项填写有误"}


def test_the_identity_providers_claims_become_the_user_the_services_expect():
    user = user_from_claims({"sub": "u-1", "role": "village_cadre", "area": "211204101200", "name": "李书记"}, "tok")
    assert (user.role, user.area_code, user.name, user.token) == ("village_cadre", "211204101200", "李书记", "tok")
    assert user_from_claims({"sub": "u-2", "role": "village_cadre", "area": "2112"}, "tok") is None
    assert user_from_claims({"sub": "u-3", "area": "211204101200"}, "tok") is None
