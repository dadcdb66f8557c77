"""Who is signed in: the session cookie, demo sign-in, CSRF tokens.

The session is Starlette's signed cookie (HttpOnly, SameSite=Lax, Secure behind TLS). It holds the
user's own bearer token, which every call to a service carries, and a per-session CSRF token that
every state-changing form sends back.
"""

import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import Request

from backstop_common.auth import mint_token
from backstop_common.demo import users as demo_users
from backstop_common.demo.county import CITY_CODE, COUNTY_CODE, PROVINCE_CODE

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class User:
    token: str
    subject: str
    role: str
    area_code: str
    name: str
    department: str | None = None


@dataclass(frozen=True)
class DemoUser:
    key: str
    name: str
    role: str
    area_code: str
    subject: str
    department: str | None = None


def _demo(key: str, role: str, area_code: str, department: str | None = None) -> DemoUser:
    user = demo_users.demo_user(role, area_code, department)
    return DemoUser(key, user.label, user.role.value, user.area_code, user.subject, user.department)


#: one person of each kind in the demo county 清河区, as `backstop users` lists them (the seeded directory's
#: people, so each one's inbox is theirs), and the province's and the city's auditors above it
DEMO_USERS = [
    _demo("province", "auditor", PROVINCE_CODE),
    _demo("city", "auditor", CITY_CODE),
    _demo("admin", "county_admin", COUNTY_CODE),
    _demo("township", "township_staff", "211204101000"),
    _demo("cadre", "village_cadre", demo_users.HELPER_VILLAGE),
    _demo("helper", "helper", demo_users.HELPER_VILLAGE),
    _demo("health", "department", COUNTY_CODE, "health"),
    _demo("auditor", "auditor", COUNTY_CODE),
]


def demo_user(key: str) -> DemoUser | None:
    return next((u for u in DEMO_USERS if u.key == key), None)


def sign_in(request: Request, user: User, ttl_s: int) -> None:
    """A fresh session: the old one (and its CSRF token) is dropped so a planted cookie is worthless."""
    request.session.clear()
    request.session.update({"user": user.__dict__, "exp": int(time.time()) + ttl_s,
                            "csrf": secrets.token_urlsafe(32)})


def demo_sign_in(request: Request, demo: DemoUser) -> User:
    settings = request.app.state.settings
    token = mint_token(settings, role=demo.role, area=demo.area_code, subject=demo.subject,
                       department=demo.department, ttl_s=settings.session_ttl_s)
    user = User(token, demo.subject, demo.role, demo.area_code, demo.name, demo.department)
    sign_in(request, user, settings.session_ttl_s)
    return user


def signed_in(request: Request) -> User | None:
    """The session's user, or None when there is none or its time has passed (then it is cleared)."""
    data = request.session.get("user")
    if not data:
        return None
    if int(request.session.get("exp", 0)) <= time.time():
        request.session.clear()
        return None
    return User(**data)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def csrf_ok(request: Request) -> bool:
    expected = request.session.get("csrf")
    if not expected:
        return False
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    return isinstance(sent, str) and hmac.compare_digest(sent, expected)
