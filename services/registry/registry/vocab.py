"""The registry's code lists, in the API's words (the national exports' Chinese terms map onto them)."""

from decimal import Decimal
from typing import Literal

from backstop_common.vocab import NATIONAL

#: a household's yearly income component above this is a typing error, not an income (1,000万); here, not in
#: schemas.records, so that the import's worker checks it without loading pydantic
ABSURD = Decimal("10000000")
PovertyStatus = Literal["never_poor", "poor", "lifted"]
MonitoringCategory = Literal["unstable_lifted", "marginal", "sudden_hardship"]
Sex = Literal["male", "female"]
Health = Literal["healthy", "chronic", "major_illness"]
Labour = Literal["full", "partial", "none"]
Employment = Literal["local", "migrant", "public_welfare", "none"]
#: basic pension insurance (城乡居民/职工基本养老保险): not insured, paying in (参保缴费), drawing (领取养老金)
Pension = Literal["none", "contributing", "receiving"]
SchoolingStage = Literal["preschool", "primary", "junior", "senior", "vocational", "college", "university", "none"]
SchoolingStatus = Literal["enrolled", "dropped_out", "graduated"]
HousingGrade = Literal["A", "B", "C", "D"]
RemovalReason = Literal["death", "marriage_out", "migration", "other"]
MeasureType = Literal["industry", "employment", "education", "health", "housing", "dibao", "finance", "other"]
DisasterType = Literal["0201", "0202", "0203", "0204", "0205", "0206", "0299"]

#: 致贫原因 (causes of poverty), keyed in English; the value is the national export's term
CAUSES = NATIONAL["cause"]
Cause = Literal[tuple(CAUSES)]  # type: ignore[valid-type]

#: 与户主关系, the national code table's values
HEAD = "户主"
RELATIONS = (
    HEAD, "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之外孙子", "之外孙女", "之父", "之母",
    "之岳父", "之岳母", "之公公", "之婆婆", "之祖父", "之祖母", "之外祖父", "之外祖母", "之兄弟姐妹", "之曾孙子",
    "之曾孙女", "之侄儿", "之侄女", "之兄弟媳妇", "之叔伯", "其他",
)
Relation = Literal[RELATIONS]  # type: ignore[valid-type]

#: roles that may change the household file
WRITERS = ("county_admin", "county_staff", "township_staff", "village_cadre")
