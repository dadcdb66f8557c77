"""One spreadsheet row → a person and the household facts it carries, or every reason it is bad."""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from backstop_common.i18n import Text, message_of, msg
from registry.domain.identity import InvalidIdNumber, id_facts, pinyin_of
from registry.vocab import ABSURD, HEAD, RELATIONS
from registry.imports import values as v
from registry.repository.bulk_columns import PERSON_COLUMNS

INCOME = ("wage", "business", "property", "transfer", "business_costs")
NUMBERS = ("household_number", "person_number", "id_number", "village_code")


def scientific(column: str, text: str) -> msg:
    return msg("{column} {value} is in scientific notation; Excel has destroyed its digits", column=column,
               value=repr(text))


def cell_text(cell, key: str) -> str:
    """Cells as text; a number in an ID column is refused unless it is an exact integer."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float | int):
        if key in NUMBERS and (isinstance(cell, float) and (not cell.is_integer() or abs(cell) >= 1e15)):
            raise ValueError(msg("{column} is stored as a number ({number}); Excel has destroyed its digits — "
                                 "format the column as text and export again", column=key, number=f"{cell:g}"))
        return str(int(cell)) if float(cell).is_integer() else str(cell)
    text = str(cell).strip()
    if key in NUMBERS and v.SCIENTIFIC.match(text):
        raise ValueError(scientific(key, text))
    return text


HEAD_TEXTS = {HEAD, "本人"}
#: columns about the household: read from its head's row only (they repeat on every member's row)
HOUSEHOLD_KEYS = frozenset({"household_type", "year_lifted", "assistance_type", "monitoring_category", "main_cause",
                            "risk_eliminated", "risk_identified_on", "risk_eliminated_on",
                            "risk2", "risk3", "risk4", "risk5", "housing_grade", "dangerous_house", "safe_water",
                            "water_difficulty", "household_phone", "natural_village", *INCOME})


@dataclass(frozen=True)
class Columns:
    """Some of the header's columns: (key, column, is an ID column) of each, and the same taken apart for
    ``_texts``'s quick path: the keys, the cells taken in C, and (position, key) of the ID columns; then what
    ``parse_row`` reads of a row's texts (``_texts``: in ``keys``' order, a ``""`` after them that stands for every
    column the file does not have), each taken in C: its fields (``FIELD_KEYS``), its member's code-list cells
    (``MEMBER_CODE_KEYS``), its household's (``HOUSEHOLD_CODE_KEYS``) and its income's (``INCOME``)."""

    each: tuple
    keys: tuple
    cells: Callable[[list], tuple]
    numbers: tuple
    fields: Callable[[list], tuple]
    member_codes: Callable[[list], tuple]
    household_codes: Callable[[list], tuple]
    income: Callable[[list], tuple]


def _columns(each: tuple) -> Columns:
    cols = [c[1] for c in each]
    cells = operator.itemgetter(*cols) if len(cols) > 1 else lambda row: (row[cols[0]],)  # a tuple even of one
    keys = tuple(key for key, _col, _number in each)
    at = {key: n for n, key in enumerate(keys)}

    def taken(wanted: tuple) -> Callable[[list], tuple]:  # a key the file has not: the "" after the texts
        return operator.itemgetter(*(at.get(key, len(keys)) for key in wanted))

    return Columns(each, keys, cells, tuple((n, c[0]) for n, c in enumerate(each) if c[2]), taken(FIELD_KEYS),
                   taken(MEMBER_CODE_KEYS), taken(HOUSEHOLD_CODE_KEYS), taken(INCOME))


@dataclass(frozen=True)
class Layout:
    """The header's columns, worked out once per file (``layout_of``), not per row: every column for a head's
    row, the same without the household's columns for a member's."""

    relation: int
    every: Columns
    own: Columns


def layout_of(cols: dict[str, int]) -> Layout:
    every = tuple((key, col, key in NUMBERS) for key, col in cols.items())
    return Layout(cols["relation"], _columns(every), _columns(tuple(c for c in every if c[0] not in HOUSEHOLD_KEYS)))


def _texts(cells: list, columns: Columns, problems: list[Text]) -> list:
    """The row's cells as text in ``columns.keys``' order, a ``""`` after them (``Columns``). Taken and stripped in
    C when every cell is there and is text (a file's rows nearly always: 300,000 rows × 30 columns; ~40 % of the
    value-by-value loop's CPU), one by one when not (a short row, a number, a date, a boolean, an empty cell of an
    XLS)."""
    try:
        texts = list(map(str.strip, columns.cells(cells)))
    except (IndexError, TypeError):
        return _texts_one_by_one(cells, columns.each, problems)
    for at, key in columns.numbers:
        text = texts[at]
        if ("E" in text or "e" in text) and v.SCIENTIFIC.match(text):
            problems.append(scientific(key, text))
    texts.append("")
    return texts


def _texts_one_by_one(cells: list, columns: tuple, problems: list[Text]) -> list:
    width = len(cells)
    t: list = []
    for key, col, number in columns:
        cell = cells[col] if col < width else None
        if cell.__class__ is str:
            text = cell.strip()
            t.append(text)
            if number and ("E" in text or "e" in text) and v.SCIENTIFIC.match(text):
                problems.append(scientific(key, text))
            continue
        if key == "birth_date" and cell is not None:
            t.append(cell)
            continue
        try:
            t.append(cell_text(cell, key))
        except ValueError as exc:
            problems.append(message_of(exc))
            t.append("")
    t.append("")
    return t


def _money(text: str, column: str) -> Decimal | None:
    if not text:
        return None
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(msg("{column} {value} is not an amount", column=column, value=repr(text))) from None
    if amount < 0 or amount > ABSURD or not amount.is_finite():
        raise ValueError(msg("{column} {value} is negative or absurd", column=column, value=text))
    return amount.quantize(Decimal("0.01"))


#: remembered per value (an export's code-list cells take a few dozen values over 300,000 rows); only answers are
#: kept: a bad value raises again each time, and its row is reported
_schooling, _health, _yes_no, _cause = cache(v.schooling), cache(v.health), cache(v.yes_no), cache(v.cause)
_amount, _date, _year = cache(_money), cache(v.a_date), cache(v.year)


@lru_cache(maxsize=200_000)
def _pinyin(name: str) -> tuple[str, str]:
    """The worker's own cache of names (the service's ``pinyin_of`` keeps 4,096; a file has ~100,000 names)."""
    return pinyin_of(name)


def _attempts(problems: list[Text]):
    """``attempt(fn, *args)``: ``fn(*args)``, or ``None`` with the reason it raised added to ``problems``."""

    def attempt(fn, *args):
        try:
            return fn(*args)
        except (ValueError, InvalidIdNumber) as exc:
            problems.append(message_of(exc))
            return None

    return attempt


def parse_row(cells: list, layout: Layout, today: date) -> tuple[tuple, dict, list[Text]]:
    """(person, household facts, problems): the person as the member's staging columns (``PERSON_COLUMNS``: a
    tuple, not a dict per row of 300,000), ``None`` for a fact its ID number would have given when it is bad."""
    problems: list[Text] = []
    head = str(cells[layout.relation]).strip() in HEAD_TEXTS if layout.relation < len(cells) else False
    columns = layout.every if head else layout.own
    texts = _texts(cells, columns, problems)
    # every use of a column the file has not treats it as its "" (``or None``, ``or ""``, a truth test)
    (name, number, village_code, township, village, natural_village, household_phone, relation, id_text, stated_sex,
     stated_birth, person_number, ethnicity, phone, education, dibao, tekun) = columns.fields(texts)
    household: dict = {"household_number": number, "village_code": village_code, "township": township,
                       "village": village, "natural_village": natural_village or None, "phone": household_phone or None}

    attempt = _attempts(problems)
    if not name:
        problems.append(msg("{column} is empty", column="姓名"))
    if not number.isdigit():
        problems.append(msg("{column} {value} must be digits", column="户编号", value=repr(number)))
    relation = relation.replace("本人", HEAD)
    if relation not in RELATIONS:
        problems.append(msg("unknown {column} {value}", column="与户主关系", value=repr(relation)))
    id_number, sex, born = attempt(id_facts, id_text, today) or _NO_ID
    if id_number and (stated_sex or stated_birth):
        _agree(sex, born, stated_sex, attempt(_date, stated_birth, "出生日期"), problems)
    pinyin, initials = _pinyin(name)  # not *_pinyin(name) in the tuple: that builds a list first
    person = (person_number or None, name, pinyin, initials, id_number, relation, relation == HEAD, sex, born,
              ethnicity or None, phone or None, education or None) \
        + _remembered(_MEMBER_CODES, _member_codes, columns.member_codes(texts), problems)
    if relation == HEAD:  # the household's own columns are read from its head's row
        household.update(_household_facts(columns.household_codes(texts), columns.income(texts), attempt, problems))
    else:  # 低保 / 特困 are also marked per person
        household["dibao"] = bool(dibao) and bool(attempt(_yes_no, dibao, "是否享受低保"))
        household["tekun"] = bool(tekun) and bool(attempt(_yes_no, tekun, "是否特困供养人员"))
    return person, household, problems


#: a bad ID number's facts
_NO_ID = (None, None, None)
#: the cells ``parse_row`` reads as they are (``Columns.fields``), in its order
FIELD_KEYS = ("name", "household_number", "village_code", "township", "village", "natural_village", "household_phone",
              "relation", "id_number", "sex", "birth_date", "person_number", "ethnicity", "phone", "education", "dibao",
              "tekun")
#: where a person's facts stand in ``parse_row``'s person (``PERSON_COLUMNS``)
IS_HEAD, ID_NUMBER, LABOUR, INSURED, SCHOOLING_STATUS = (
    PERSON_COLUMNS.index(c) for c in ("is_head", "id_number", "labour_capacity", "medical_insurance",
                                      "schooling_status"))


#: the cells a member's code-list facts are read from (``_member_codes``), in its arguments' order
MEMBER_CODE_KEYS = ("schooling", "dropout_reason", "health", "disability_grade", "labour", "employment",
                    "migrant_months", "public_welfare_post", "medical_insurance", "pension")
#: a few hundred combinations of those cells over a file's 300,000 rows (a household's the same: its code-list
#: cells but the income's): each checked once, not once a row (checks of 10 cells, ~1.5 CPU s a file)
_MEMBER_CODES: dict[tuple, tuple] = {}
_HOUSEHOLD_CODES: dict[tuple, dict] = {}
#: combinations kept at most (a file of free text in these columns would otherwise be kept whole)
REMEMBERED = 50_000


def _remembered(known: dict[tuple, tuple], check, cells: tuple, problems: list[Text]) -> tuple:
    """``check(*cells)``'s facts, remembered per combination of cells; only an answer without problems is kept:
    a bad combination is checked again on each row, so its every row is reported with problems of its own."""
    facts = known.get(cells)
    if facts is None:
        facts, found = check(*cells)
        if found:
            problems.extend(found)
        elif len(known) < REMEMBERED:
            known[cells] = facts
    return facts


def _member_codes(schooling, dropout_reason, health, disability_grade, labour, employment, migrant_months,
                  public_welfare_post, medical_insurance, pension) -> tuple[tuple, list[Text]]:
    """(a member's code-list facts in ``PERSON_COLUMNS``' order from schooling_stage on, their problems) from its
    cells (``MEMBER_CODE_KEYS``; ``None`` for a column the file does not have)."""
    problems: list[Text] = []
    attempt = _attempts(problems)
    stage, status = (attempt(_schooling, schooling) or (None, None)) if schooling else (None, None)
    if dropout_reason:
        status = "dropped_out"
    state, grade = attempt(_health, health or "", disability_grade or "") or ("healthy", 0)
    labour = labour or ""
    if labour and labour not in v.LABOUR:
        problems.append(msg("unknown {column} {value}", column="劳动技能", value=repr(labour)))
    employment, months = _work(employment, migrant_months or "", public_welfare_post, problems)
    insured = attempt(_yes_no, medical_insurance, "医疗保险") if medical_insurance else None
    # 参加 says insured, not whether the pension is drawn yet: paying in until the 人社 feed says more
    pension = attempt(_yes_no, pension, "是否参加城乡居民基本养老保险") if pension else None
    return (stage, status, state, grade, v.LABOUR.get(labour, "full"), employment, months,
            True if insured is None else insured, None if pension is None else "contributing" if pension else "none"
            ), problems


def _agree(sex: str, born: date, stated_sex: str, stated_birth: date | None, problems: list[Text]) -> None:
    """The sex and birth date a row states against those its ID number gives."""
    if stated_sex and {"男": "male", "女": "female"}.get(stated_sex) != sex:
        problems.append(msg("{column} {value} disagrees with the ID number", column="性别", value=stated_sex))
    if stated_birth and (stated_birth.year, stated_birth.month) != (born.year, born.month):
        problems.append(msg("{column} {value} disagrees with the ID number", column="出生日期", value=stated_birth))


def _work(work: str | None, months: str, public_welfare_post: str | None, problems: list[Text]) -> tuple:
    """(employment, migrant months)."""
    employment = v.EMPLOYMENT.get((work or "").replace("（", "(").replace("）", ")"))
    if work and employment is None:
        problems.append(msg("unknown {column} {value}", column="务工状况", value=repr(work)))
    if months and not months.isdigit():
        problems.append(msg("{column} {value} is not a number of months", column="务工时间(月)", value=repr(months)))
    months_n = int(months) if months.isdigit() else None
    if public_welfare_post:
        employment = "public_welfare"
    if employment is None:
        employment = "migrant" if months_n else "none"
    return employment, months_n


def _household_facts(cells: tuple, amounts: tuple, attempt, problems: list[Text]) -> dict:
    """The household's facts from its head's row: its code-list cells (``HOUSEHOLD_CODE_KEYS``) checked once per
    combination (``_household_codes``), its income's amounts (``INCOME``) each row."""
    facts = _HOUSEHOLD_CODES.get(cells)
    before = after = ()
    if facts is None:
        facts, before, after = _household_codes(*cells)
        if not before and not after and len(_HOUSEHOLD_CODES) < REMEMBERED:
            _HOUSEHOLD_CODES[cells] = facts
    problems.extend(before)  # the problems in the order the columns were always checked in
    wage, business, property_, transfer, costs = amounts
    try:  # a row's amounts are nearly always good: five plain calls, not five ``attempt``s
        income = {"wage": _amount(wage, "wage"), "business": _amount(business, "business"),
                  "property": _amount(property_, "property"), "transfer": _amount(transfer, "transfer"),
                  "business_costs": _amount(costs, "business_costs")}
    except (ValueError, InvalidIdNumber):  # what ``attempt`` takes: each again, so every bad amount is reported
        income = {k: attempt(_amount, text, k) for k, text in zip(INCOME, amounts)}
    problems.extend(after)
    return {**facts, "other_causes": [*facts["other_causes"]],  # a list of the household's own
            "income": income if None not in income.values() else None}


#: the cells a household's code-list facts are read from (``_household_codes``), in its arguments' order
HOUSEHOLD_CODE_KEYS = ("household_type", "assistance_type", "monitoring_category", "housing_grade", "dangerous_house",
                       "safe_water", "water_difficulty", "main_cause", "risk2", "risk3", "risk4", "risk5",
                       "risk_identified_on", "risk_eliminated_on", "risk_eliminated", "year_lifted", "dibao", "tekun")


def _household_codes(kind, assistance_type, category, housing_grade, dangerous_house, safe_water, water_difficulty,
                     *rest) -> tuple[dict, list[Text], list[Text]]:
    """(the household's facts but its income, the problems of the columns checked before the income's, those
    after) from its cells (``HOUSEHOLD_CODE_KEYS``; ``None`` for a column the file does not have)."""
    *causes, risk_identified_on, risk_eliminated_on, risk_eliminated, year_lifted, dibao, tekun = \
        (cell or "" for cell in rest)
    problems: list[Text] = []
    attempt = _attempts(problems)
    kind, category = kind or "", category or ""
    if kind and kind not in v.HOUSEHOLD_TYPE:
        problems.append(msg("unknown {column} {value}", column="户类型", value=repr(kind)))
    assisted_dibao, assisted_tekun = v.ASSISTANCE.get(assistance_type or "", (False, False))
    if category and category not in v.MONITORING:
        problems.append(msg("unknown {column} {value}", column="监测对象类别", value=repr(category)))
    grade = (housing_grade or "").upper() or None
    if grade and grade not in ("A", "B", "C", "D"):
        problems.append(msg("{column} {value} must be A, B, C or D", column="住房安全等级", value=repr(grade)))
    if grade is None and attempt(_yes_no, dangerous_house or "", "危房户"):
        grade = "C"
    water = attempt(_yes_no, safe_water or "", "饮水安全")
    if attempt(_yes_no, water_difficulty or "", "饮水困难"):
        water = False
    causes = [attempt(_cause, c) for c in causes]
    before = problems.copy()  # the income's amounts are checked here (``_household_facts``)
    problems.clear()
    facts = {**_risk(risk_identified_on, risk_eliminated_on, risk_eliminated, attempt, problems),
             "poverty_status": v.HOUSEHOLD_TYPE.get(kind, "never_poor"),
             "year_lifted": attempt(_year, year_lifted, "脱贫年度"),
             "dibao": assisted_dibao or bool(attempt(_yes_no, dibao, "是否享受低保")),
             "tekun": assisted_tekun or bool(attempt(_yes_no, tekun, "是否特困供养人员")),
             "monitoring_category": v.MONITORING.get(category), "housing_grade": grade, "safe_water": water,
             "main_cause": causes[0], "other_causes": [c for c in causes[1:] if c]}
    return facts, before, problems


def _risk(identified_on: str, eliminated_on_text: str, eliminated_text: str, attempt, problems: list[Text]) -> dict:
    """风险是否消除 and its dates, as the national system says them (a date alone says eliminated)."""
    identified = attempt(_date, identified_on, "风险识别时间")
    eliminated_on = attempt(_date, eliminated_on_text, "风险消除时间")
    eliminated = attempt(_yes_no, eliminated_text, "风险是否消除")
    if eliminated is False and eliminated_on:
        problems.append(msg("风险消除时间 {value} is given but 风险是否消除 is 否", value=repr(eliminated_on_text)))
    if identified and eliminated_on and eliminated_on < identified:
        problems.append(msg("风险消除时间 is before 风险识别时间"))
    return {"risk_eliminated": bool(eliminated or (eliminated is None and eliminated_on)),
            "risk_identified_on": identified, "risk_eliminated_on": eliminated_on}
