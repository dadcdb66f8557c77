"""Who a rule's targets are for one event: helpers, a role or office at a level, a unit, a named user."""

import weakref
from collections.abc import Awaitable, Callable, Hashable

from backstop_common.envelope import Event

from notifications.domain.areas import at_level, office_role
from notifications.domain.conditions import lookup
from notifications.models import (
    Recipient,
    RoutingRule,
    WebhookSubscription,
)
from notifications.repository import directory
from notifications.repository import recipients as repo
from notifications.repository import rules as rules_repo
from notifications.repository import webhooks as webhooks_repo


class Kept:
    """What routing read of the directory (rules, subscriptions, recipients) under one stamp of it
    (``repository.directory``): kept across consumer transactions while the stamp stays — a stream hands a
    transaction a record or two, and each read the rules, the village cadre and the township office again."""

    def __init__(self, stamp: int):
        self.stamp = stamp
        self.seen: dict[Hashable, object] = {}
        self.users: dict[str, Recipient | None] = {}


#: each database's kept directory (a process has one; a test process may have several); replaced, never cleared,
#: when the stamp moves, so a transaction that read the old stamp fills only the old one
_kept: "weakref.WeakKeyDictionary[object, Kept]" = weakref.WeakKeyDictionary()


async def _kept_now(session) -> Kept:
    stamp = await directory.stamp(session)
    kept = _kept.get(session.bind)
    if kept is None or kept.stamp != stamp:
        kept = _kept[session.bind] = Kept(stamp)
    return kept


class Lookups:
    """The rules, webhook subscriptions, recipients and household facts routing reads: the household facts once
    per consumer transaction (``of``) — a handler that changes them says so (``forget``) —, the rest kept across
    transactions while the directory's stamp stays (``Kept``). A fetch names the same rules, village cadre and
    township office over and over, and the kernel hands it over in short runs (one per type).
    """

    _of_session: "weakref.WeakKeyDictionary[object, Lookups]" = weakref.WeakKeyDictionary()

    def __init__(self, session):
        # weakly: ``_of_session`` holds its keys weakly but its values strongly, so a Lookups holding its session
        # kept every consumer transaction's session alive for good — its identity map, the households read
        # (notifications +196 MB RSS after the 100,000-household digest, bench/RESULTS.md session 9)
        self._session = weakref.ref(session)
        self._seen: dict[Hashable, object] = {}
        self._kept: Kept | None = None

    @property
    def session(self):
        return self._session()

    @classmethod
    def of(cls, session) -> "Lookups":
        """The lookups of this session's transaction (one per session: a consumer's batch, or one record)."""
        if session not in cls._of_session:
            cls._of_session[session] = cls(session)
        return cls._of_session[session]

    def forget(self, household_id: str) -> None:
        """The household's facts changed in this transaction: read them again."""
        self._seen.pop(("household", household_id), None)

    def written(self, households: list[repo.HouseholdPut]) -> None:
        """These households' facts were just written whole (``repo.put_households``: each row replaced by them) in
        this transaction: they are what a read would find — a bulk import's fetch wrote ~500 and read them back."""
        self._seen.update({("household", h.household_id): h for h in households})

    async def _directory(self) -> Kept:
        """The kept directory, its stamp read once in this transaction."""
        if self._kept is None:
            self._kept = await _kept_now(self.session)
        return self._kept

    def _keep(self, found):
        """Rows to keep past this transaction: taken out of the session, so its rollback cannot expire them."""
        for row in found if isinstance(found, list) else [found]:
            if row is not None and row in self.session:
                self.session.expunge(row)
        return found

    async def _once(self, key: Hashable, read: Callable[[], Awaitable]):
        seen = (await self._directory()).seen
        if key not in seen:
            seen[key] = self._keep(await read())
        return seen[key]

    async def rules(self, event_type: str, area: str | None, *, order: Callable | None = None) -> list[RoutingRule]:
        """The enabled rules of the type covering ``area``, sorted by ``order`` when given (read once per type,
        whatever the village; each village's, in that order, found once: an import routes thousands of one type)."""
        seen = (await self._directory()).seen
        key = ("rules", event_type, area, order)
        if key not in seen:
            every = await self._once(("rules", event_type),
                                     lambda: rules_repo.enabled_of_type(self.session, event_type))
            covering = rules_repo.covering(every, area)
            seen[key] = sorted(covering, key=order) if order else covering
        return seen[key]

    async def subscriptions(self) -> list[WebhookSubscription]:
        return await self._once(("subscriptions",), lambda: webhooks_repo.subscriptions(self.session))

    async def read_households(self, household_ids: list[str]) -> None:
        """The facts of the households a run names, read in one query (those not read yet)."""
        wanted = [h for h in dict.fromkeys(household_ids) if ("household", h) not in self._seen]
        if wanted:
            found = await repo.households(self.session, wanted)
            self._seen.update({("household", h): found.get(h) for h in wanted})

    async def household(self, household_id: str) -> repo.HouseholdPut | None:
        """The household's facts (``repo.households``' plain row), or None while the registry has not told it."""
        key = ("household", household_id)
        if key not in self._seen:
            await self.read_households([household_id])
        return self._seen[key]

    async def by_user_ids(self, user_ids) -> list[Recipient]:
        """The active recipients of these users, in their order (each user kept on its own: a household's helpers
        are a set of their own, the users are the directory's)."""
        users = (await self._directory()).users
        ids = list(dict.fromkeys(u for u in user_ids if u))
        missing = [u for u in ids if u not in users]
        if missing:
            found = {r.user_id: r for r in self._keep(await repo.by_user_ids(self.session, missing))}
            users.update({u: found.get(u) for u in missing})
        return [users[u] for u in ids if users[u] is not None]

    async def of_unit_covering(self, unit: str, area: str | None) -> list[Recipient]:
        return await self._once(("unit", unit, area), lambda: repo.of_unit_covering(self.session, unit, area))

    async def with_role(self, roles: list[str], where: str, *, within: bool) -> list[Recipient]:
        read = repo.with_role_within if within else repo.with_role_at
        return await self._once(("role", tuple(roles), where, within), lambda: read(self.session, roles, where))


def _target_area(target: dict, event: Event, area: str | None) -> str | None:
    if target.get("area_field"):
        value = lookup(event.data, target["area_field"])
        return value if isinstance(value, str) and len(value) == 12 and value.isdigit() else None
    return at_level(area, target.get("level", "event"))


async def helpers_of(lookups: Lookups, event: Event) -> list[Recipient]:
    """The household's paired helpers (帮扶责任人) from the read model, plus any named in the event."""
    household_id = event.data.get("household_id")
    user_ids = list(event.data.get("helper_user_ids") or [])
    if household_id:
        facts = await lookups.household(str(household_id))
        if facts is not None:
            user_ids += facts.helper_user_ids
    return await lookups.by_user_ids(dict.fromkeys(user_ids))


async def resolve(lookups: Lookups, target: dict, event: Event, area: str | None) -> list[Recipient]:
    kind = target["kind"]
    if kind == "helpers":
        return await helpers_of(lookups, event)
    if kind == "user":
        value = lookup(event.data, target["field"])
        return await lookups.by_user_ids(value if isinstance(value, list) else [value])
    if kind == "unit":
        units = target.get("unit") or lookup(event.data, target.get("unit_field", ""))
        found: dict = {}
        for unit in (units if isinstance(units, list) else [units]):
            if unit:
                found.update({r.id: r for r in await lookups.of_unit_covering(str(unit), area)})
        return list(found.values())
    where = _target_area(target, event, area)
    if where is None:
        return []
    roles = [target["role"]] if kind == "role" else [office_role(where)]
    roles = [r for r in roles if r]
    return await lookups.with_role(roles, where, within=target.get("level") == "within")
