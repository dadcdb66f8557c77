"""The registry's hot routes (backstop_common.hot): the household file, the writes that append a record to
it — income, housing, water, disaster — and the member change, served below FastAPI on their happy path.

The FastAPI routes (households.py, records.py, members.py) stay what the OpenAPI document describes and answer
every request handed on: a refusal of any kind, a body or If-Match FastAPI would refuse, Idempotency-Key.
Each handler here calls the same domain function as its FastAPI route and answers the same bytes. Income
assessments that find a few others under way wait and are written together (``Gathered``,
``income.assess_together``).
"""

import uuid

from pydantic import TypeAdapter
from starlette.responses import Response

from backstop_common.concurrency import expected_version, optional_version
from backstop_common.conditional import conditional_answer
from backstop_common.hot import Gathered, HotRequest, HotRoute, commit
from backstop_common.problems import Problem
from registry.api.members import shown
from registry.domain import conditions, files, income, members
from registry.schemas.records import (
    DisasterCreate, DisasterRead, HousingAssessmentCreate, HousingAssessmentRead, IncomeAssessmentCreate,
    IncomeAssessmentRead, WaterAssessmentCreate, WaterAssessmentRead,
)
from registry.schemas.members import MemberUpdate

PREFIX = "/api/v1"
FILE = PREFIX + "/households/{household_id}"
#: a path parameter read as FastAPI reads it (pydantic's UUID), so what it refuses is handed on
_HOUSEHOLD_ID = _MEMBER_ID = TypeAdapter(uuid.UUID)


async def read_file(request: HotRequest) -> Response:
    """``GET /households/{id}`` (households.read): one statement, its access-log row written by it."""
    household_id = _HOUSEHOLD_ID.validate_python(request.params["household_id"])
    async with request.reading() as session:
        body = await files.household_file(session, request.principal, household_id, request.path)
    return conditional_answer(request.method, request.headers.get("if-none-match"), body)


def _created(read_type, record) -> Response:
    return Response(read_type.model_validate(record, from_attributes=True).model_dump_json(), status_code=201,
                    media_type="application/json")


def appending(path: str, body_type, read_type, action) -> HotRoute:
    """``POST /households/{id}/<path>`` (records._route): the record, the household, history and event — read,
    then written in one statement that commits alone (repository/records.py: a writer that came between the two
    is noticed, nothing is written and FastAPI's route answers, its lock held from the read)."""
    async def serve(request: HotRequest) -> Response:
        household_id = _HOUSEHOLD_ID.validate_python(request.params["household_id"])
        data = body_type.model_validate(request.json())
        version = await optional_version(request.headers.get("if-match"))
        async with request.writing() as uow:
            record = await action(uow, request.principal, household_id, data, version)
            answer = _created(read_type, record)
            await commit(uow)
        return answer

    return HotRoute("POST", f"{FILE}/{path}", serve)


async def _income_alone(request: HotRequest, write: income.IncomeWrite) -> Response:
    """The income write as ``appending`` does every appending write: read, then one statement that commits alone."""
    async with request.writing() as uow:
        record = await income.assess_income(uow, write.principal, write.household_id, write.data, write.expected)
        answer = _created(IncomeAssessmentRead, record)
        await commit(uow)
    return answer


async def _incomes_together(requests: list[HotRequest], writes: list[income.IncomeWrite]) -> list[Response | None]:
    """Income writes that waited for a connection, in one transaction: each answered as alone, or — refused — handed
    on (nothing was written for it; FastAPI's route answers its problem)."""
    async with requests[0].unit_of_work() as uow:
        results = await income.assess_together(uow, writes)
        answers = [None if isinstance(r, Problem) else _created(IncomeAssessmentRead, r) for r in results]
        await commit(uow)
    return answers


#: income writes gathered: while ``hot_income_writers`` are under way, the others wait and go together (config.py)
INCOMES = Gathered(_income_alone, _incomes_together, writers=lambda settings: settings.hot_income_writers,
                   least=lambda settings: settings.hot_income_together_least)


async def assess_income(request: HotRequest) -> Response | None:
    """``POST /households/{id}/income-assessments`` (records._route), gathered (``INCOMES``)."""
    household_id = _HOUSEHOLD_ID.validate_python(request.params["household_id"])
    data = IncomeAssessmentCreate.model_validate(request.json())
    version = await optional_version(request.headers.get("if-match"))
    return await INCOMES.write(request, income.IncomeWrite(request.principal, household_id, data, version))


async def change_member(request: HotRequest) -> Response:
    """``PATCH /members/{id}`` (members.update): two statements, then the caller's view of the member."""
    member_id = _MEMBER_ID.validate_python(request.params["member_id"])
    data = MemberUpdate.model_validate(request.json())
    version = await expected_version(request.headers.get("if-match"))
    async with request.unit_of_work() as uow:
        member = await members.update_member(uow, request.principal, member_id, data, version)
        answer = (await shown(uow, request.principal, member, request.path)).model_dump_json()
        await commit(uow)
    return Response(answer, media_type="application/json")


ROUTES = [
    HotRoute("GET", FILE, read_file),
    HotRoute("POST", f"{FILE}/income-assessments", assess_income),
    appending("housing-assessments", HousingAssessmentCreate, HousingAssessmentRead, conditions.assess_housing),
    appending("water-assessments", WaterAssessmentCreate, WaterAssessmentRead, conditions.assess_water),
    appending("disasters", DisasterCreate, DisasterRead, conditions.report_disaster),
    HotRoute("PATCH", PREFIX + "/members/{member_id}", change_member),
]
