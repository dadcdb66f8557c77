"""The staging tables' column orders (``bulk.STAGING``), in a module of their own: the import's worker builds
its rows in these orders and should not load SQLAlchemy (``bulk``) to know them."""

#: a member's fields in the order of the members staging table, after id, household_id, number, line
#: (the import's plan builds its rows in this order)
PERSON_COLUMNS = ("person_number", "name", "name_pinyin", "name_initials", "id_number", "relation", "is_head", "sex",
                  "birth_date", "ethnicity", "phone", "education", "schooling_stage", "schooling_status", "health",
                  "disability_grade", "labour_capacity", "employment", "migrant_months", "medical_insurance", "pension")
HOUSEHOLD_COLUMNS = ("id", "line", "household_number", "village_code", "natural_village", "phone",
                     "poverty_status", "year_lifted", "dibao", "tekun", "monitoring_category", "risk_eliminated",
                     "risk_identified_on", "risk_eliminated_on", "main_cause",
                     "other_causes", "housing_grade", "safe_water", "size", "per_capita_income", "wage", "business",
                     "business_costs", "property", "transfer", "labour", "uninsured", "dropout", "members")
MEMBER_COLUMNS = ("id", "household_id", "household_number", "line", *PERSON_COLUMNS)
