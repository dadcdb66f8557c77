"""The overview lists the level below the area shown: a province's or a city's counties (monitoring answers
those per county, issue 18), a county's townships, a township's villages."""

import pytest

from console.pages.overview import _names_asked, _rows

STATS = {"counties": [{"area_code": "211204000000"}], "townships": [{"area_code": "211204101000"}],
         "villages": [{"area_code": "211204101200"}]}


@pytest.mark.parametrize(("level", "listed"), [("province", "211204000000"), ("city", "211204000000"),
                                               ("county", "211204101000"), ("township", "211204101200")])
def test_each_level_lists_the_one_below_it(level, listed):
    (row,) = _rows(STATS, level, {listed: "某地"})
    assert row["area_code"] == listed and row["name"] == "某地"


@pytest.mark.parametrize(("code", "level", "asked"), [
    ("210000000000", "province", {"level": "county"}),  # its children are cities: the counties are asked for
    ("211200000000", "city", {"parent_code": "211200000000"}),  # a county's parent is its city
    ("211204000000", "county", {"parent_code": "211204000000"}),
    ("211204101000", "township", {"parent_code": "211204101000"})])
def test_the_names_asked_are_those_of_the_rows_listed(code, level, asked):
    assert _names_asked(code, level) == asked
