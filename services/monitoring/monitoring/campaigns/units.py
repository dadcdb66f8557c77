"""Responsible units (责任单位) a problem can be assigned to. A department unit is rectified by
``department`` staff whose token names that department; ``village`` by the village's cadres."""

UNITS: dict[str, str] = {
    "education": "教育局 / 学区",
    "health_insurance": "医疗保障局 / 医保办",
    "health": "卫生健康局 / 卫生院",
    "housing": "住建局 / 规划所",
    "water": "水利局 / 水管站",
    "civil_affairs": "民政局 / 民政办",
    "human_resources": "人社局 / 人社站",
    "agriculture": "农业农村局 / 农技站",
    "finance": "财政局 / 财政所",
    "natural_resources": "自然资源局 / 国土所",
    "organization": "组织部 / 组织室",
    "rural_bank": "农商行",
    "poverty_office": "乡村振兴局 / 扶贫办",
    "village": "村(社区)两委",
}
