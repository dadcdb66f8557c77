"""Chinese first: every message a service answers comes from a gettext catalogue, zh-CN unless asked.

The English text is the message id (``msgid``); ``locale/zh_CN/LC_MESSAGES/messages.po`` beside a
package holds the Chinese. ``make install`` (``backstop catalogues``) compiles each ``.po`` into the
``.mo`` read here; nothing is compiled while a service runs. One catalogue per service (its package's
``locale/``), falling back to the kernel's (``backstop_common/locale``).

A message with values is written ``msg("{what} not found", what=msg("household"))`` and translated
when the answer is rendered, in the language of that request (``Accept-Language``: zh-CN by default,
English when the caller prefers ``en``). A plain string detail is looked up as a whole, so an existing
``NotFound("household not found")`` turns Chinese once its text is in the service's catalogue.
"""

import contextvars
import gettext
import importlib.util
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

ZH, EN = "zh-CN", "en"
KERNEL = "backstop_common"
_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=ZH)


class msg:  # noqa: N801 — reads like the gettext marker it is
    """A message to translate when it is rendered; ``str()`` gives the English (logs, exceptions)."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params: Any):
        self.msgid, self.params = msgid, params

    def render(self, language: str | None = None, package: str | None = None) -> str:
        return translate(self, language, package)

    def __str__(self) -> str:
        return translate(self, EN)

    def __repr__(self) -> str:
        return f"msg({self.msgid!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, msg) and (self.msgid, self.params) == (other.msgid, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)


class term:  # noqa: N801 — a value inside a msg, like msg itself
    """A code value said as its vocabulary label (``backstop_common.vocab``) in the answer's language:
    ``msg("cannot {action} a case in stage {stage}", stage=term("stage", "opened"))`` reads 待核实 in
    Chinese, never the code."""

    __slots__ = ("kind", "codes")

    def __init__(self, kind: str, code: str | list[str] | tuple[str, ...]):
        self.kind, self.codes = kind, [code] if isinstance(code, str) else [str(c) for c in code]

    def render(self, language: str) -> str:
        from backstop_common import vocab  # vocab serves a router; i18n stays importable without FastAPI

        if language == EN:
            return ", ".join(vocab.english(self.kind, c) for c in self.codes)
        return "、".join(vocab.ZH.get(self.kind, {}).get(c, c) for c in self.codes)

    def __str__(self) -> str:
        return ", ".join(self.codes)


#: English month names, not ``%B`` (which follows the process's locale)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


class when:  # noqa: N801 — a value inside a msg, like term
    """A date or an instant said as the county reads it, never as a raw ISO timestamp: a date is
    2026年12月1日 (English: 1 December 2026); an instant is its Beijing-time date and minute,
    2026年12月8日 14:30 (8 December 2026, 14:30) — a notice period ends at the minute it began — and one at
    the county's midnight its day alone (a deadline given as a date)."""

    __slots__ = ("value",)

    def __init__(self, value: date | datetime):
        self.value = value

    def render(self, language: str) -> str:
        from backstop_common.clock import LOCAL  # clock brings FastAPI; i18n stays importable without it

        value = self.value.astimezone(LOCAL) if isinstance(self.value, datetime) else self.value
        if isinstance(value, datetime) and (value.hour, value.minute, value.second) == (0, 0, 0):
            value = value.date()  # a deadline at the county's midnight is that day
        if language == EN:
            day = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
            return f"{day}, {value:%H:%M}" if isinstance(value, datetime) else day
        day = f"{value.year}年{value.month}月{value.day}日"
        return f"{day} {value:%H:%M}" if isinstance(value, datetime) else day

    def __str__(self) -> str:
        return self.render(EN)


Text = str | msg


def message_of(exc: BaseException) -> Text:
    """The message an exception was raised with (``raise ValueError(msg(...))``), still translatable."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, msg) else str(exc)


def negotiate(accept_language: str | None) -> str:
    """The language of the answer: the caller's best-rated of zh/en; Chinese when it names neither."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in ("zh", "en") and quality > 0:
            ranked.append((-quality, position, ZH if primary == "zh" else EN))
    return min(ranked)[2] if ranked else ZH


def current_language() -> str:
    return _language.get()


def set_language(language: str) -> contextvars.Token:
    return _language.set(language)


def locale_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "locale"
    return folder if folder.is_dir() else None


class CatalogueNotCompiled(RuntimeError):
    """A ``.po`` has no ``.mo`` beside it: ``make install`` (``backstop catalogues``) was not run."""


@cache
def _chinese(package: str) -> gettext.NullTranslations:
    kernel = _load(KERNEL)
    if package == KERNEL:
        return kernel
    own = _load(package)
    own.add_fallback(kernel)
    return own


def ensure_catalogue(package: str) -> None:
    """At start-up: a service whose catalogue was not compiled stops with ``CatalogueNotCompiled``."""
    _chinese(package)


def _load(package: str) -> gettext.NullTranslations:
    folder = locale_dir(package)
    if folder is None:
        return gettext.NullTranslations()
    mo = folder / "zh_CN" / "LC_MESSAGES" / "messages.mo"
    if not mo.exists():
        raise CatalogueNotCompiled(f"{mo} is missing: run `make install` (backstop catalogues)")
    with mo.open("rb") as fh:
        return gettext.GNUTranslations(fh)


_service: contextvars.ContextVar[str] = contextvars.ContextVar("service_package", default=KERNEL)


def set_service(package: str) -> None:
    """The catalogue of the service this process (or request) answers for."""
    _service.set(package)


def translate(text: Text, language: str | None = None, package: str | None = None) -> str:
    """``text`` in ``language`` (the request's by default); values that are ``msg`` are translated too."""
    language = language or _language.get()
    package = package or _service.get()
    if isinstance(text, msg):
        params = {k: v.render(language) if isinstance(v, term | when) else translate(v, language, package)
                  if isinstance(v, msg) else v for k, v in text.params.items()}
        template = text.msgid if language == EN else _chinese(package).gettext(text.msgid)
        return template.format(**params) if params else template
    return text if language == EN or not text else _chinese(package).gettext(text)


def translated(text: str, language: str | None = None, package: str | None = None) -> bool:
    """Whether the catalogue has ``text`` (tests: every message a service answers is in it)."""
    return translate(text, ZH, package) != text
