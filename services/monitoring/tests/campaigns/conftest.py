"""The campaigns package on a real PostgreSQL and a real broker, mounted on an app of its own (the lead
wires it into monitoring's main.py later)."""

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import monitoring.models as monitoring_models
from backstop_common.app import ServiceSpec, create_app
from backstop_common.auth import area_prefix
from backstop_common.db import create_engine
from backstop_common.testing import bearer, fresh_database, serving
from backstop_common.uow import UnitOfWork
from monitoring import campaigns
from monitoring.campaigns.seed import load_checklist
from monitoring.config import Settings
from monitoring.events import catalog

from ..clock import clock as monitoring_clock

COUNTY = "211204000000"


async def _prepare(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        has = await conn.scalar(text("SELECT count(*) FROM information_schema.columns "
                                     "WHERE table_name = 'household_facts' AND column_name = 'poverty_status'"))
        if not has:  # an older migration without the read model's columns: rebuild it from the model
            await conn.execute(text("DROP TABLE IF EXISTS household_facts"))
        # whatever of monitoring's tables the checks read and the migration does not have yet
        tables = [m.__table__ for m in (monitoring_models.HouseholdFacts, monitoring_models.MemberFacts,
                                        monitoring_models.Policy, monitoring_models.Case, monitoring_models.Visit)]
        await conn.run_sync(lambda c: SQLModel.metadata.create_all(c, tables=tables, checkfirst=True))
        await conn.run_sync(lambda c: SQLModel.metadata.create_all(c, tables=campaigns.TABLES))
    async with engine.begin() as conn:
        from sqlmodel.ext.asyncio.session import AsyncSession

        async with AsyncSession(conn) as session:
            await load_checklist(UnitOfWork(session, "monitoring", clock=monitoring_clock))
            await session.commit()
    await engine.dispose()


# package-scoped (services/monitoring/tests/conftest.py): one app in the "monitoring" consumer group at a time
@pytest.fixture(scope="package")
def settings(pg_server, kafka_bootstrap) -> Settings:
    url = fresh_database(pg_server, "monitoring")
    asyncio.run(_prepare(url))
    return Settings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap, sweep_interval_s=0.2,
                    outbox_poll_interval_s=0.2)


@pytest.fixture(scope="package")
async def app(settings):
    application = create_app(ServiceSpec(
        name="monitoring", title="t", settings=settings, catalog=catalog, routers=[campaigns.router],
        handlers=campaigns.HANDLERS, background=campaigns.BACKGROUND, clock=monitoring_clock))
    async with serving(application):
        yield application


@pytest.fixture(autouse=True)
def clock():
    monitoring_clock.offset = timedelta(0)
    yield monitoring_clock
    monitoring_clock.offset = timedelta(0)


@pytest.fixture
def county(settings):
    return bearer(settings, "county_admin", COUNTY, subject="county-admin-1")


@pytest.fixture
def as_(settings):
    def make(role: str, area: str = COUNTY, **kw) -> dict:
        return bearer(settings, role, area, **kw)
    return make


@pytest.fixture
def db(app):
    """Direct SQL on the service's database (seeding household facts, reading the outbox)."""
    class Db:
        async def execute(self, sql: str, **params):
            async with app.state.sessions() as session:
                result = await session.execute(text(sql), params)
                rows = list(result) if result.returns_rows else None
                await session.commit()
                return rows

        async def household(self, village: str, **facts) -> uuid.UUID:
            hid = uuid.uuid4()
            async with app.state.sessions() as session:
                session.add(monitoring_models.HouseholdFacts(household_id=hid, village_code=village,
                                                             **{"poverty_status": "lifted", "size": 3, **facts}))
                await session.commit()
            return hid

        async def policy(self, area: str, year: int, income_line: str) -> None:
            async with app.state.sessions() as session:
                session.add(monitoring_models.Policy(
                    year=year, area_code=area, scope=area_prefix(area), income_line=Decimal(income_line),
                    income_drop_share=Decimal("0.3"), medical_oop_threshold=Decimal("10000"),
                    medical_oop_income_share=Decimal("0.5"), disaster_loss_threshold=Decimal("10000"),
                    verify_days=3, post_notice_days=3, notice_days=5, review_days=3, confirm_days=3,
                    decision_days=15, plan_days=15, visit_interval_days=90, stable_months=6,
                    cluster_threshold=Decimal("0.2"), cluster_window_days=7, cluster_min_households=5))
                await session.commit()
    return Db()
