"""The one bilingual word table of every human output (tables, explain, reports)."""

from __future__ import annotations

from ..model import Lang

WORDS: dict[str, tuple[str, str]] = {
    # headings and column labels
    "document": ("文件", "Document"),
    "article": ("条款", "Article"),
    "measure": ("措施", "Measure"),
    "award": ("金额（万元）", "Award (万元)"),
    "recipient": ("受益方", "Recipient"),
    "lead": ("牵头部门", "Lead"),
    "support": ("配合部门", "Cooperating"),
    "payment": ("拨付方式", "Paid"),
    "fact": ("依据事实", "Fact"),
    "total": ("合计", "Total"),
    "subtotal": ("小计", "Subtotal"),
    "status": ("状态", "Status"),
    "excluded": ("未计入的措施", "Not counted"),
    "reason": ("原因", "Reason"),
    "notes": ("说明", "Notes"),
    "steps": ("计算步骤", "Steps"),
    "none": ("无匹配的资金措施。", "No money measure matches."),
    "as_of": ("评估日", "as of"),
    "as_of_today": ("评估日（默认今天）", "as of (today, by default)"),
    "ruleset": ("规则版本", "ruleset"),
    "applicant": ("申请主体", "Applicant"),
    "region": ("地区", "Region"),
    "documents": ("所用文件", "Documents used"),
    "awards": ("可申请的支持", "Support that matches"),
    "validity": ("有效期", "Validity"),
    "categories": ("按类别", "By category"),
    "category": ("类别", "Category"),
    "title": ("政策资金测算报告", "Policy support estimate"),
    "compare_title": ("地区比较报告", "Comparison of regions"),
    "compare": ("地区比较", "Regions compared"),
    "region_total": ("金额合计（万元）", "Total (万元)"),
    "money_awards": ("资金措施", "Awards"),
    "case_by_case": ("一事一议", "Case by case"),
    "in_force_documents": ("有效文件", "Documents in force"),
    "legend": ("■ 确定下限  ░ 可能上限", "■ certain (min)  ░ possible (to max)"),
    "matrix": (
        "按类别（万元；+n? 为一事一议项数）",
        "By category (万元; +n? = case-by-case items)",
    ),
    "general": ("其他适用的一般性措施", "General measures of these documents"),
    "not_stated": ("未规定", "not stated"),
    "not_eligible": ("；不符合条件", "; not eligible"),
    "as_if_in": ("（假设注册于{}）", " (as if registered in {})"),
    "more": ("  … 另有 {} 项（--all 显示全部）", "  … {} more (--all shows every one)"),
    "ceiling_group": ("上限", "ceiling"),
    "scope_per_year": ("每年上限", "yearly ceiling"),
    "scope_total": ("累计上限", "ceiling in total"),
    "scope_per_product": ("每个产品上限", "ceiling per product"),
    "scope_per_product_year": ("每个产品每年上限", "yearly ceiling per product"),
    "stack_higher_only": ("就高不重复", "the higher only"),
    "stack_may_overlap": ("是否并用未明", "both may pay"),
    "together": ("合计", "together"),
    "in_groups": ("组内 {}", "in its groups: {}"),
    "ceiling_of": ("{}上限", "the {} ceiling"),
    "within_ceiling": ("（未触及上限）", " (within the ceiling)"),
    "ceilings": ("上限", "Ceilings"),
    # validity
    "in_force": ("有效", "in force"),
    "lapsed": ("已失效", "lapsed"),
    "not_yet": ("未生效", "not yet in force"),
    # explain
    "summary": ("概要", "Summary"),
    "eligibility": ("适用条件", "Eligibility"),
    "trigger": ("触发事实", "Trigger"),
    "conditions": ("条件", "conditions"),
    "general_measure": ("通用措施，不对应特定事实", "General measure: no particular fact"),
    "formula": ("计算", "Formula"),
    "ceiling": ("上限", "Ceiling"),
    "stacking": ("就高不重复", "Stacking"),
    "group": ("组", "group"),
    "reading": ("解读", "Reading"),
    "number_unknown": ("文号未查到", "number not known"),
    "lead_short": ("牵头", "lead"),
    "support_short": ("配合", "cooperating"),
    "not_reached": (
        "该文件不覆盖申请主体所在地区",
        "This document does not reach the applicant's region.",
    ),
    "not_counted": ("未计入", "not counted"),
    "no_trigger_fact": (
        "资料中没有触发该措施的事实",
        "No fact in the profile triggers this measure.",
    ),
    # listings
    "title_col": ("标题", "Title"),
    "measures_count": ("项", "measures"),
    "measures_n": ("措施", "Measures"),
    "with_money": ("有金额", "Money"),
    "no_money": ("无资金", "No money"),
    "window": ("有效期", "Window"),
    "kind": ("类别", "Kind"),
    "field": ("字段", "Field"),
    "type": ("类型", "Type"),
    "required": ("必填", "Required"),
    "meaning": ("含义", "Meaning"),
    "yes": ("是", "yes"),
    "id": ("编号", "id"),
    "name": ("名称", "name"),
    "level": ("级别", "level"),
    "parent": ("上级", "parent"),
    "own_documents": ("本级文件", "documents"),
    "reached_by": ("适用文件", "reached by"),
    "facts_hint": (
        "每个事实都有 kind、date（日期或年份），可选 product、note。policycalc facts KIND 查看字段。",
        "Every fact has kind and date (a date or a year), optionally product and note. "
        "`policycalc facts KIND` lists a kind's fields.",
    ),
    # reports
    "report_award": ("金额（万元）", "Award (万元)"),
    "none_short": ("无", "none"),
    "disclaimer": (
        "本报告为依据公开政策文本的测算，并非承诺。是否支持及具体金额以主管部门审核认定为准；"
        "“最高”表示上限，一事一议项目金额未定、未计入合计。",
        "These figures are estimates from the published policy texts, not commitments. The "
        'departments named decide whether support is given and how much; "up to" is a '
        "ceiling, and case-by-case items have no amount and are not in the totals.",
    ),
    # amounts
    "no_money_amount": ("无资金", "no money"),
    "case_by_case_amount": ("一事一议", "case by case"),
    "case_by_case_long": ("一事一议（金额未定）", "case by case (amount unknown)"),
    "up_to": ("最高 {}", "up to {}"),
    "list_sep": ("、", "; "),
    # opportunities
    "opportunities_title": ("还可争取的支持", "Opportunities: what else could be claimed"),
    "opportunities_rank": ("#", "#"),
    "opportunities_article": ("条款", "Article"),
    "opportunities_measure": ("措施", "Measure"),
    "opportunities_reason": ("障碍", "Obstacle"),
    "opportunities_needs": ("需要什么", "What it takes"),
    "opportunities_amount": ("可得（万元）", "Would bring (万元)"),
    "opportunities_recipient": ("受益方", "Recipient"),
    "opportunities_departments": ("部门（牵头；配合）", "Departments (lead; cooperating)"),
    "opportunities_applicant": ("申请主体", "Applicant"),
    "opportunities_as_of": ("评估日", "as of"),
    "opportunities_ruleset": ("规则版本", "ruleset"),
    "opportunities_none": ("没有发现可争取的支持。", "No opportunity found."),
    "opportunities_note": (
        "每项金额为消除该障碍后可得的估计：互为假设，不计入测算合计，也不可相加；"
        "是否支持及具体金额以主管部门审核认定为准。",
        "Each figure is what removing that obstacle would bring: a hypothesis, never part of "
        "the estimate's totals and not to be added up. The departments named decide.",
    ),
    "obstacle_no_fact": ("尚无相应事实", "no such fact yet"),
    "obstacle_condition": ("条件未满足", "condition not met"),
    "obstacle_missing_field": ("资料缺项", "a field missing"),
    "obstacle_eligibility": ("主体资格", "eligibility"),
    "obstacle_window": ("不在适用期间", "outside the window"),
    "obstacle_ceiling": ("受共享上限削减", "cut by a ceiling"),
    # interview: questions, answers and what is expected of them
    "interview_intro": (
        "为 {region} 的申请主体建立资料（评估日 {as_of}）：{n} 项有效的资金措施。"
        "直接回车跳过可选问题；输入 back（或“返回”）修改上一个回答。",
        "A profile for an applicant in {region} (as of {as_of}): {n} money measures in force. "
        "Press Enter to skip a question that is optional; type back to revise the previous "
        "answer.",
    ),
    "interview_applicant": ("申请主体", "The applicant"),
    "interview_yes_no": ("（是/否）", "(yes/no)"),
    "interview_yes": ("是", "yes"),
    "interview_no": ("否", "no"),
    "interview_optional": ("（可跳过）", "(optional)"),
    "interview_default": ("（缺省：{}）", "(default: {})"),
    "interview_any": ("{label}：有吗？", "{label}: any?"),
    "interview_since": ("（{since} 以来）", " (since {since})"),
    "interview_another": ("{label}：还有一项吗？", "{label}: another one?"),
    "interview_date": (
        "日期（如 2022-08-20、2022年8月20日，或年份 2022）",
        "when (a date such as 2022-08-20 or 2022/8/20, or a year such as 2022)",
    ),
    "interview_date_hint": ("（如 2022-08-20 或 2022年8月20日）", "(such as 2022-08-20)"),
    "interview_product": ("产品（{}）", "product ({})"),
    "interview_product_id": (
        "产品编号（事实以此引用该产品）",
        "product id (the facts about it name it)",
    ),
    "interview_another_product": ("还有一个产品吗？", "another product?"),
    "interview_product_head": ("产品 {}", "Product {}"),
    "interview_product_word": ("产品", "product"),
    "interview_products": (
        "是否有在研产品（临床前或临床阶段；医疗器械也可在此登记）？",
        "Any products in development (preclinical or clinical; devices may be declared here too)?",
    ),
    "interview_invalid": ("无效：'{}'；应为{}", "not valid: '{}'; expected {}"),
    "interview_none_left": (
        "（本项不再符合任何措施的条件，其余问题跳过）",
        "(no measure pays for this any more: its other questions are skipped)",
    ),
    "interview_tax_region": (
        "税务登记地（与工商注册地不同时填写）",
        "region of tax registration (if not the same as the business registration)",
    ),
    "interview_back": (
        "（返回：上一个回答 {} 已撤回，请重新回答）",
        "(back: the answer {} is withdrawn; answer again)",
    ),
    "interview_skipped": ("（跳过）", "(skipped)"),
    "interview_nothing_back": (
        "（这是第一个问题，无法再返回）",
        "(this is the first question: nothing to go back to)",
    ),
    "interview_review": ("请核对：将写入的资料", "Please check: the profile to be written"),
    "interview_confirm": (
        "写入这份资料吗？（输入 back 修改最后一个回答）",
        "Write this profile? (type back to revise the last answer)",
    ),
    "interview_saved": (
        "已保存 {n} 个回答到 {path}；用 --answers {path} 从此处继续",
        "{n} answers saved to {path}; resume with --answers {path}",
    ),
    "interview_not_written": ("资料未写入。", "The profile was not written."),
    "interview_expect_text": ("一些文字", "some text"),
    "interview_expect_line": ("一行文字，至多 200 个字符", "one line of at most 200 characters"),
    "interview_expect_short": ("较短的回答", "a shorter answer"),
    "interview_expect_yes_no": ("是或否（y/n）", "yes or no (y/n)"),
    "interview_expect_amount": (
        "以万元计的金额，如 2500 或 2,500",
        "an amount in 万元, such as 2500 or 2,500",
    ),
    "interview_expect_amount_min": ("0 或以上的金额（万元）", "an amount in 万元, 0 or more"),
    "interview_expect_amount_max": ("不超过 {} 万元的金额", "an amount of at most {} 万元"),
    "interview_expect_whole": ("一个整数", "a whole number"),
    "interview_expect_count": ("0 到 {} 之间的整数", "a whole number from 0 to {}"),
    "interview_expect_one_of": ("以下之一：{}", "one of: {}"),
    "interview_expect_choice": (
        "所列选项之一：其序号 1 到 {}，或其名称",
        "one of the choices shown: its number, 1 to {}, or its words",
    ),
    "interview_expect_year": ("{} 到 {} 之间的年份", "a year from {} to {}"),
    "interview_expect_date": (
        "日期，如 2022-08-20、2022/8/20、2022.8.20 或 2022年8月20日，或年份 2022",
        "a date such as 2022-08-20, 2022/8/20, 2022.8.20 or 2022年8月20日, or a year such as 2022",
    ),
    "interview_expect_date_range": ("{} 到 {} 之间的日期", "a date from {} to {}"),
    # messages on stderr (an `Error:` line is English in both languages: its words are not here)
    "wrote": ("已写入 {path}", "wrote {path}"),
    "batch_count": (
        "读入 {read} 个申请主体：估算 {done} 个，拒收 {rejected} 个；写出 {rows} 行",
        "{read} applicants read: {done} estimated, {rejected} rejected; {rows} rows written",
    ),
    "batch_count_looked": (
        "读入 {read} 个申请主体：查看 {done} 个，拒收 {rejected} 个；写出 {rows} 行",
        "{read} applicants read: {done} looked at, {rejected} rejected; {rows} rows written",
    ),
    "note_repeats": (
        "提示：{n} 条记录使用了前面已用过的 id，该 id 的行来自不止一条记录；第一处：{first}",
        "Note: {n} records reuse an id already used, so rows with that id come from more "
        "than one record; the first: {first}",
    ),
    "note_repeat": (
        "提示：1 条记录使用了前面已用过的 id，该 id 的行来自不止一条记录；第一处：{first}",
        "Note: 1 record reuses an id already used, so rows with that id come from more "
        "than one record; the first: {first}",
    ),
    "note_ids_checked": (
        "提示：只在前 {capacity:,} 条记录中检查了 id 是否重复（从第 {line} 行起，重复的 id "
        "不再发现）",
        "Note: ids were checked for repeats among the first {capacity:,} records only "
        "(from line {line} on, a repeated id is not noticed)",
    ),
    "note_gbk": (
        "提示：{source}：按 GBK 读入；用 --encoding 可指定编码",
        "Note: {source}: read as GBK; pass --encoding to choose",
    ),
    "note_workers": (
        "提示：{jobs} 个工作进程中只启动了 {started} 个（{failure}）；{how}",
        "Note: {started} of {jobs} worker processes could be started ({failure}); {how}",
    ),
    "note_workers_none": ("改在本进程中运行", "running in this one"),
    "note_workers_some": ("以已启动的进程运行", "running with those"),
}


def word(key: str, lang: Lang) -> str:
    zh, en = WORDS[key]
    return zh if lang == "zh" else en


def said(key: str, lang: Lang, **facts: object) -> str:
    """A message on stderr in the command's language, its `{name}`s filled from `facts`."""
    return word(key, lang).format(**facts)
