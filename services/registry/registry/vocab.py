"""The registry's code lists, in the API's words (the national exports' Chinese terms map onto them)."""

from typing import Literal

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
CAUSES = {
    "illness": "因病", "disability": "因残", "schooling": "因学", "disaster": "因灾",
    "lack_of_labour": "缺劳力", "accident": "因意外事故", "failed_business": "因产业失败",
    "unstable_work": "因务工就业不稳", "lack_of_land": "缺土地", "lack_of_water": "缺水",
    "lack_of_skills": "缺技术", "lack_of_capital": "缺资金", "poor_transport": "交通条件落后",
    "lack_of_motivation": "自身发展动力不足", "marriage": "因婚", "funeral": "因丧",
    "housing": "因安全住房", "water": "因安全饮水", "other": "其他",
}
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
