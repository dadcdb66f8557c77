"""Chinese first: the kernel's answers come from the catalogue, zh-CN unless the caller asks for English."""

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field, field_validator
from pydantic_core._pydantic_core import list_all_errors

from backstop_common.auth import Principal, Role
from backstop_common.concurrency import check_version, expected_version
from backstop_common.i18n import EN, ZH, msg, negotiate, term, translate, translated
from backstop_common.middleware import BodyLimit, Language
from backstop_common.problems import NotFound, install_problem_handlers

CADRE = Principal(subject="c", role=Role.VILLAGE_CADRE, area_code="211204001001")


@pytest.fixture(scope="module")
async def client():
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=100)
    app.add_middleware(Language, package="backstop_common")

    class Body(BaseModel):
        name: str = Field(min_length=3)
        count: int
        when: str

        @field_validator("when")
        @classmethod
        def known(cls, value: str) -> str:
            raise ValueError("Field required")  # a validator's own words, looked up as a whole

    @app.post("/things")
    async def create(body: Body):
        return {}

    @app.get("/outside")
    async def outside():
        CADRE.ensure_covers("211204002001", "record")

    @app.get("/role")
    async def role():
        CADRE.ensure_role(Role.COUNTY_ADMIN)

    @app.put("/versioned")
    async def versioned(version: int = Depends(expected_version)):
        check_version(4, version)

    @app.get("/service-text")
    async def service_text():
        raise NotFound("no such thing here")  # not in any catalogue: stays as written

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


@pytest.mark.parametrize("header,expected", [
    (None, ZH), ("en", EN), ("en-US,en;q=0.9", EN), ("zh-CN,zh;q=0.9,en;q=0.8", ZH),
    ("en;q=0.5,zh;q=0.8", ZH), ("fr", ZH), ("zh;q=0,en", EN), ("en;q=bad", ZH)])
def test_negotiation_prefers_chinese_unless_english_rates_higher(header, expected):
    assert negotiate(header) == expected


async def test_not_found_and_forbidden_in_chinese_by_default_english_on_request(client):
    zh = await client.get("/outside")
    assert zh.status_code == 404 and zh.json()["title"] == "未找到" and zh.json()["detail"] == "记录不存在"
    assert zh.headers["content-language"] == ZH and "Accept-Language" in zh.headers["vary"]
    en = await client.get("/outside", headers={"Accept-Language": "en"})
    assert en.json()["title"] == "Not Found" and en.json()["detail"] == "record not found"
    forbidden = (await client.get("/role")).json()
    assert forbidden["title"] == "无权操作" and forbidden["detail"] == "角色 村干部 无权执行此操作；需要以下角色之一：区县管理员"
    english = (await client.get("/role", headers={"Accept-Language": "en"})).json()["detail"]
    assert english == "role Village cadre may not do this; needs one of: County administrator"


async def test_precondition_and_conflict_keep_their_values_and_codes(client):
    missing = (await client.put("/versioned")).json()
    assert missing["status"] == 428 and missing["title"] == "缺少前提条件" and "If-Match" in missing["detail"]
    conflict = (await client.put("/versioned", headers={"If-Match": "3"})).json()
    assert conflict["status"] == 409 and conflict["current_version"] == 4
    assert "当前版本 4" in conflict["detail"] and "3" in conflict["detail"]


async def test_body_limit_answers_in_the_callers_language(client):
    resp = await client.post("/things", content=b"x" * 200, headers={"content-type": "application/json"})
    assert resp.status_code == 413 and resp.json()["detail"] == "请求体超过 100 字节"


async def test_validation_errors_translated_item_by_item_loc_and_type_unchanged(client):
    bad = {"name": "ab", "count": "many", "when": "x"}
    zh, en = (await client.post("/things", json=bad)).json(), (await client.post(
        "/things", json=bad, headers={"Accept-Language": "en"})).json()
    assert zh["detail"] == "请求不合规范，详见 errors。" and en["detail"] == "The request is invalid; see errors."
    assert [(e["loc"], e["type"]) for e in zh["errors"]] == [(e["loc"], e["type"]) for e in en["errors"]]
    by_field = {e["loc"][-1]: e["msg"] for e in zh["errors"]}
    assert by_field == {"name": "字符串应至少 3 个字符", "count": "输入应为有效的整数，无法将字符串解析为整数",
                        "when": "取值错误：缺少必填字段"}
    assert {e["loc"][-1]: e["msg"] for e in en["errors"]}["name"] == "String should have at least 3 characters"
    missing = (await client.post("/things", json={})).json()["errors"]
    assert {e["msg"] for e in missing} == {"缺少必填字段"}


async def test_a_text_outside_the_catalogue_is_answered_as_written(client):
    assert (await client.get("/service-text")).json()["detail"] == "no such thing here"


def test_every_pydantic_error_template_has_chinese():
    untranslated = [e["type"] for e in list_all_errors() if not translated(e["message_template_python"])]
    assert untranslated == []


def test_a_message_renders_its_values_translated_and_logs_in_english():
    text = msg("{what} not found", what=msg("resource"))
    assert translate(text, ZH) == "资源不存在" and str(text) == "resource not found"


def test_a_code_inside_a_message_is_said_as_its_label_never_as_the_code():
    text = msg("{what} not found", what=term("stage", "notice_posted"))
    assert translate(text, ZH) == "村内公示中不存在" and translate(text, EN) == "Village notice posted not found"
    assert translate(msg("{what} not found", what=term("stage", "brand_new")), ZH) == "brand_new不存在"  # unknown: as is
    roles = msg("role {role} may not do this; needs one of: {roles}", role=term("role", "helper"),
                roles=term("role", ["county_admin", "county_staff"]))
    assert translate(roles, ZH) == "角色 帮扶责任人 无权执行此操作；需要以下角色之一：区县管理员、区县乡村振兴局"


def test_a_date_or_instant_inside_a_message_reads_as_the_countys_date_never_a_timestamp():
    from datetime import UTC, date, datetime

    from backstop_common.i18n import when

    # 16:30 UTC on 1 December is 00:30 on 2 December in the county
    ends = msg("{what} not found", what=when(datetime(2026, 12, 1, 16, 30, tzinfo=UTC)))
    assert translate(ends, ZH) == "2026年12月2日 00:30不存在"
    assert translate(ends, EN) == "2 December 2026, 00:30 not found"
    midnight = msg("{what} not found", what=when(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)))
    assert translate(midnight, ZH) == "2026年12月1日不存在"  # a deadline at the county's midnight: the day
    day = msg("{what} not found", what=when(date(2026, 12, 1)))
    assert (translate(day, ZH), translate(day, EN)) == ("2026年12月1日不存在", "1 December 2026 not found")
