"""The default rule set, seeded by the initial migration: every consumed event type reaches someone.

A county edits, disables or adds rules through ``/api/v1/routing-rules``; these are only a start.
"""

HELPERS = {"kind": "helpers"}
CADRE = {"kind": "role", "role": "village_cadre", "level": "event"}
TOWNSHIP = {"kind": "office", "level": "township"}
COUNTY = {"kind": "office", "level": "county"}
AUDITOR = {"kind": "role", "role": "auditor", "level": "county"}
RESPONSIBLE_UNIT = {"kind": "unit", "unit_field": "responsible_unit"}
URGENT_CH = ["sms", "group"]


def rule(name, event_type, targets, zh, en, *, when=(), urgent=False, ack_hours=None, channels=None):
    return {"name": name, "event_type": event_type, "area_prefix": "", "conditions": list(when),
            "targets": targets, "channels": channels if channels is not None else (URGENT_CH if urgent else []),
            "template_zh": zh, "template_en": en, "urgent": urgent, "needs_ack": ack_hours is not None,
            "ack_hours": ack_hours, "enabled": True}


def cond(field, op, value=None):
    return {"field": field, "op": op, "value": value}


DEFAULT_RULES = [
    # registry.household: the paired helper follows the household; the village cadre hears of gaps
    rule("household.registered", "household.registered", [HELPERS], "您帮扶的农户已建档（户{household_id}）。", "A household you help was registered ({household_id})."),
    rule("household.updated", "household.updated", [HELPERS], "农户信息已更新：{changed}。", "Household updated: {changed}."),
    rule("household.status_changed", "household.status_changed", [HELPERS, CADRE], "农户状态由{previous_status}变为{poverty_status}。", "Household status changed from {previous_status} to {poverty_status}."),
    rule("household.income_assessed", "household.income_assessed", [HELPERS], "{year}年收入核算完成：人均纯收入{per_capita_income}元（上次{previous_per_capita_income}）。", "Income assessed for {year}: per-capita net income {per_capita_income} (previous {previous_per_capita_income})."),
    rule("household.helper_assigned", "household.helper_assigned", [{"kind": "user", "field": "helper_user_id"}], "您已被确定为户{household_id}的帮扶责任人。", "You were assigned as paired helper of household {household_id}."),
    rule("member.added", "member.added", [HELPERS], "农户新增成员，现{size}人。", "A member joined the household; size now {size}."),
    rule("member.removed", "member.removed", [HELPERS], "农户减少成员（{reason}），现{size}人。", "A member left the household ({reason}); size now {size}."),
    rule("member.health_changed", "member.health_changed", [HELPERS], "农户成员健康状况变化：{health}。", "A member's health changed: {health}."),
    rule("member.health_changed.serious", "member.health_changed", [CADRE, HELPERS], "农户成员患大病或重残，自付医疗{medical_out_of_pocket}元，请入户核查。", "A member has a major illness or severe disability (out-of-pocket {medical_out_of_pocket}); please visit.", when=[cond("health", "eq", "major_illness")], urgent=True, ack_hours=72),
    rule("member.schooling_changed", "member.schooling_changed", [HELPERS], "农户成员就学状态：{status}（{stage}）。", "A member's schooling: {status} ({stage})."),
    rule("member.schooling_changed.dropout", "member.schooling_changed", [HELPERS, CADRE], "农户有{age}岁成员辍学（{stage}），请及时劝返。", "A member aged {age} dropped out of school ({stage}); act to bring them back.", when=[cond("status", "eq", "dropped_out")], urgent=True, ack_hours=48),
    rule("member.employment_changed", "member.employment_changed", [HELPERS], "农户成员就业变化：{employment}。", "A member's employment changed: {employment}."),
    rule("member.employment_changed.job_lost", "member.employment_changed", [CADRE], "农户成员失业，请关注就业帮扶。", "A member lost their job; consider employment assistance.", when=[cond("job_lost", "truthy")]),
    rule("member.insurance_changed", "member.insurance_changed", [HELPERS], "农户成员医保参保状态变化。", "A member's medical insurance changed."),
    rule("member.insurance_changed.uninsured", "member.insurance_changed", [CADRE], "农户成员未参加基本医保，请督促参保。", "A member has no basic medical insurance.", when=[cond("medical_insurance", "falsy")]),
    rule("household.housing_assessed", "household.housing_assessed", [HELPERS], "住房安全鉴定为{grade}级。", "Housing assessed as grade {grade}."),
    rule("household.housing_assessed.unsafe", "household.housing_assessed", [CADRE, HELPERS], "住房鉴定为{grade}级危房，请纳入危房改造。", "Housing is unsafe (grade {grade}); start renovation.", when=[cond("grade", "in", ["C", "D"])], urgent=True, ack_hours=72),
    rule("household.water_assessed", "household.water_assessed", [HELPERS], "饮水安全评估已更新。", "Drinking water assessment updated."),
    rule("household.water_assessed.unsafe", "household.water_assessed", [CADRE], "农户饮水不安全，请核查。", "The household's drinking water is unsafe.", when=[cond("safe_water", "eq", False)]),
    rule("household.disaster_reported", "household.disaster_reported", [HELPERS, CADRE], "农户报告灾害（{disaster_type}），损失{loss_amount}元，请入户核实。", "Disaster reported ({disaster_type}), loss {loss_amount}; verify at the home.", urgent=True, ack_hours=48),
    rule("household.measure_given", "household.measure_given", [HELPERS], "帮扶措施已落实：{measure_type}，{amount}元。", "Assistance given: {measure_type}, {amount}."),
    # monitoring.case: the case workflow (识别程序) tells whoever acts next
    rule("risk.detected", "risk.detected", [HELPERS, CADRE], "发现返贫风险（类型{risk_type}，规则{rule}），请48小时内入户核实。", "Risk of falling back detected (type {risk_type}, rule {rule}); verify at the home within 48 hours.", urgent=True, ack_hours=48),
    rule("case.opened", "case.opened", [CADRE], "新监测案例待入户核实，截止{due_at}。", "New case to verify at the home by {due_at}.", ack_hours=72),
    rule("case.verified", "case.verified", [HELPERS], "案例已入户核实，下一步截止{due_at}。", "Case verified; next step due {due_at}."),
    rule("case.notice_posted", "case.notice_posted", [TOWNSHIP], "村内公示已开始，公示期满后请审核，截止{due_at}。", "Village notice posted; review after it ends, by {due_at}."),
    rule("case.reviewed", "case.reviewed", [COUNTY], "乡镇已审核，请县级审批，截止{due_at}。", "Township reviewed; county approval due {due_at}.", ack_hours=120),
    rule("case.confirmed", "case.confirmed", [HELPERS, CADRE], "已确定为监测对象（{category}），请在{plan_due_at}前制定帮扶计划。", "Confirmed as monitored household ({category}); assistance plan due {plan_due_at}.", ack_hours=72),
    rule("case.rejected", "case.rejected", [HELPERS, CADRE], "监测案例未通过：{reason}。", "Case rejected: {reason}."),
    rule("case.assistance_planned", "case.assistance_planned", [HELPERS, CADRE, {"kind": "unit", "unit_field": "measures.responsible_unit"}, {"kind": "user", "field": "measures.helper_user_id"}], "帮扶计划已制定，落实截止{due_at}。", "Assistance plan made; due {due_at}."),
    rule("case.visit_recorded", "case.visit_recorded", [CADRE], "已记录走访（{visited_on}），下次走访截止{next_visit_due}。", "Visit recorded ({visited_on}); next visit due {next_visit_due}."),
    rule("case.elimination_proposed", "case.elimination_proposed", [TOWNSHIP], "村级提出风险消除（{method}），请审核。", "Risk elimination proposed ({method}); please review."),
    rule("case.risk_eliminated", "case.risk_eliminated", [HELPERS, CADRE], "风险已消除（{method}）。", "Risk eliminated ({method})."),
    rule("case.reopened", "case.reopened", [HELPERS, CADRE], "风险重现，案例已重新打开：{reason}。", "Risk returned; case reopened: {reason}.", urgent=True, ack_hours=48),
    rule("case.overdue", "case.overdue", [{"kind": "office", "area_field": "escalate_to_area"}], "监测案例“{step}”环节已超期（应于{due_at}完成），请督办。", "Case step '{step}' is overdue (due {due_at}); please follow up.", urgent=True, ack_hours=48),
    rule("area.cluster_alert", "area.cluster_alert", [TOWNSHIP, COUNTY], "规模性返贫预警：{window_days}天内{households_with_signals}/{households_total}户出现风险（占比{share}，阈值{threshold}）。", "Cluster alert: {households_with_signals}/{households_total} households at risk in {window_days} days (share {share}, threshold {threshold}).", urgent=True, ack_hours=24),
    # monitoring.campaign: investigation campaigns and rectification
    rule("campaign.started", "campaign.started", [{"kind": "role", "role": "village_cadre", "level": "within"}, {"kind": "role", "role": "township_staff", "level": "within"}], "大排查已启动，排查截止{investigation_due}，整改截止{rectification_due}。", "Investigation campaign started; investigation due {investigation_due}, rectification {rectification_due}."),
    rule("problem.opened", "problem.opened", [RESPONSIBLE_UNIT, CADRE], "排查发现问题（{check}），请在{due_at}前整改。", "Problem found ({check}); rectify by {due_at}.", ack_hours=72),
    rule("problem.rectified", "problem.rectified", [TOWNSHIP], "问题（{check}）已整改，请验收。", "Problem ({check}) rectified; please verify."),
    rule("problem.verified", "problem.verified", [RESPONSIBLE_UNIT], "问题（{check}）整改已验收。", "Rectification of ({check}) verified."),
    rule("problem.deferred", "problem.deferred", [RESPONSIBLE_UNIT, TOWNSHIP], "问题（{check}）整改延期至{due_at}。", "Rectification of ({check}) deferred to {due_at}."),
    rule("problem.overdue", "problem.overdue", [RESPONSIBLE_UNIT, TOWNSHIP], "问题（{check}）整改已超期（应于{due_at}完成）。", "Rectification of ({check}) is overdue (due {due_at}).", urgent=True, ack_hours=48),
    rule("target.progressed", "target.progressed", [COUNTY], "{year}年目标{measure}进度：{done}/{target}。", "{year} target {measure}: {done}/{target}."),
    # funds.finance
    rule("fund.allocated", "fund.allocated", [{"kind": "office", "level": "event"}], "下达资金{amount}元（{source}，{purpose}）。", "Funds allocated: {amount} ({source}, {purpose})."),
    rule("project.stage_changed", "project.stage_changed", [{"kind": "office", "level": "event"}], "项目阶段：{from_stage} → {to_stage}。", "Project stage: {from_stage} -> {to_stage}."),
    rule("disbursement.made", "disbursement.made", [COUNTY], "项目支出{amount}元（{paid_on}）。", "Disbursement of {amount} on {paid_on}."),
    rule("subsidy.paid", "subsidy.paid", [HELPERS], "补贴已发放：{kind}，{amount}元。", "Subsidy paid: {kind}, {amount}."),
    rule("finance.anomaly_detected", "finance.anomaly_detected", [COUNTY, AUDITOR], "资金异常（{kind}）：金额{amount}，{detail}。请核查。", "Finance anomaly ({kind}): amount {amount}, {detail}. Please check.", urgent=True, ack_hours=72),
]

HANDLING_UNIT = {"kind": "office", "area_field": "handling_area"}
ABOVE = {"kind": "office", "area_field": "escalate_to_area"}
HOTLINE = {"kind": "role", "role": "hotline_operator", "level": "county"}
EVENT_OFFICE = {"kind": "office", "level": "event"}

#: monitoring.supervision (docs/supervision.md); added to existing databases by the supervision revision
SUPERVISION_RULES = [
    rule("report.received", "report.received", [HANDLING_UNIT, HOTLINE], "收到12317监督举报（{category}），受理截止{due_at}。", "A 12317 report ({category}) was received; accept or decline by {due_at}."),
    rule("report.assigned", "report.assigned", [HANDLING_UNIT], "12317举报（{category}）已交由本单位办理（{reason}），请于{due_at}前办结并答复。", "A 12317 report ({category}) is assigned to your unit ({reason}); answer by {due_at}.", ack_hours=72),
    rule("report.answered", "report.answered", [HOTLINE], "12317举报（{category}）已答复，请回访举报人。", "A 12317 report ({category}) was answered; call the reporter back."),
    rule("report.overdue", "report.overdue", [ABOVE], "12317举报（{category}）“{step}”环节已超期（应于{due_at}完成），请督办。", "A 12317 report ({category}) is overdue at step {step} (due {due_at}); please follow up.", urgent=True, ack_hours=48),
    rule("report.closed", "report.closed", [HANDLING_UNIT], "12317举报（{category}）已办结（{reason}）。", "A 12317 report ({category}) was closed ({reason})."),
    rule("declaration.received", "declaration.received", [EVENT_OFFICE], "农户自主申报（{kind}），请于{due_at}前入户核实。", "A household declared a risk ({kind}); verify at the home by {due_at}.", when=[cond("matched", "eq", True)], ack_hours=72),
    rule("declaration.received.unregistered", "declaration.received", [EVENT_OFFICE], "未建档农户自主申报（{kind}），请入户走访。", "An unregistered household declared a risk ({kind}); please visit.", when=[cond("matched", "eq", False)], ack_hours=120),
    rule("declaration.verified", "declaration.verified", [HELPERS, CADRE], "农户自主申报已核实，纳入监测识别程序。", "A household's declaration was verified and entered the identification procedure."),
    rule("declaration.declined", "declaration.declined", [CADRE], "农户自主申报核实未予认定，已短信告知农户。", "A household's declaration was declined; the household was told by SMS."),
    rule("declaration.overdue", "declaration.overdue", [ABOVE], "农户自主申报未按期核实（应于{due_at}完成），请督办。", "A household's declaration was not verified in time (due {due_at}); please follow up.", urgent=True, ack_hours=48),
]
DEFAULT_RULES += SUPERVISION_RULES

#: issue 16 (docs/monitoring.md); added to existing databases by the seed_gaps revision
SEED_GAP_RULES = [
    rule("case.elimination_objected", "case.elimination_objected", [TOWNSHIP, HELPERS, CADRE], "风险消除公示期间收到异议：{note}。请乡镇复核后再行提出。", "An objection was raised during the elimination notice: {note}. The township re-checks before proposing again.", ack_hours=72),
]
DEFAULT_RULES += SEED_GAP_RULES

CIVIL_AFFAIRS = {"kind": "unit", "unit": "civil_affairs"}
#: 低保 follow-up (seed 000, docs/monitoring.md); added to existing databases by the dibao revision
DIBAO_RULES = [
    rule("dibao.recommended", "dibao.recommended", [CIVIL_AFFAIRS, CADRE], "农户{year}年人均纯收入{per_capita_income}元，低于低保标准{dibao_line}元且未纳入低保，建议纳入低保。", "A household's {year} per-capita income {per_capita_income} is under the dibao line {dibao_line} and it is not on dibao: consider taking it in.", ack_hours=120),
    rule("dibao.phaseout_started", "dibao.phaseout_started", [CIVIL_AFFAIRS], "低保户收入已超过低保标准，进入低保渐退期，至{ends_at}止。", "A dibao household's income rose above the line; phase-out runs until {ends_at}."),
    rule("dibao.phaseout_lapsed", "dibao.phaseout_lapsed", [CIVIL_AFFAIRS, TOWNSHIP, HELPERS], "低保渐退期（至{ends_at}）未经民政复核即已退出低保，请核查。", "Dibao ended before its phase-out ({ends_at}) without a review; please check.", urgent=True, ack_hours=72),
    rule("dibao.phaseout_due", "dibao.phaseout_due", [CIVIL_AFFAIRS], "低保渐退期已满（{ends_at}），请复核是否继续享受低保。", "The dibao phase-out ran out ({ends_at}); review whether dibao continues.", ack_hours=120),
]
DEFAULT_RULES += DIBAO_RULES

#: key households visited without a case (seed 004); added to existing databases by the key_visit revision
KEY_VISIT_RULES = [
    rule("key_visit.overdue", "key_visit.overdue", [HELPERS, CADRE], "重点巡访对象本季度未探访（应于{due_at}前），请尽快入户探访。", "A key household was not visited this quarter (due {due_at}); please visit.", urgent=True, ack_hours=72),
]
DEFAULT_RULES += KEY_VISIT_RULES

#: a finance anomaly closed because the registry's event came late (docs/funds.md); added to existing
#: databases by the anomaly_resolved revision
ANOMALY_RESOLVED_RULES = [
    rule("finance.anomaly_resolved", "finance.anomaly_resolved", [COUNTY, AUDITOR], "资金异常（{kind}）已解除：{reason}", "Finance anomaly ({kind}) resolved: {reason}"),
]
DEFAULT_RULES += ANOMALY_RESOLVED_RULES
