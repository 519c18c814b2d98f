"""Every money figure of the bundled data against tables read by hand from the seed texts.

The tables below follow the TEXTS (shared/seeds, in file order: 000 Kunming, 001 Yunnan,
002 Nanshan plan then the 十六条 interpretation, 003 Chongqing, 004 Suzhou cluster plan, Jiangsu,
Suzhou measures), article by article, each row with the words it was read from. No row was
taken from the YAML files: a mistyped amount, rate, cap, threshold, stage or tier, a share read
as exact where the text says 不超过, a changed recipient, a ceiling with another amount, scope or
members, a shifted date, or a money measure added or dropped without a hand check, fails here.

Figures: `100` a fixed sum; `0..500` up to; `1000..3000` a range; `20% cap 300` a share with its
ceiling (`≤20%`: the share is itself a ceiling, 不超过/最高按); `1%..3% cap 6000` a share range;
`each …` per unit; `k=…; k=…` stages or tiers (sorted by key); `[lo,hi): …` bands (`[`/`]`
include the bound, `(`/`)` exclude it); `?` money promised without a sum (case by case).
A row is (measure id, figures, recipient). Ceilings are (id, scope, amount, members), members
`*` for every measure of the document. Dates are (issued, effective_from, known_by,
effective_until, facts_from); `unknown` is a start the text does not state.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

D = dt.date.fromisoformat

# ---- 000 昆明市高质量发展细胞产业十条措施 --------------------------------------------------------
KUNMING = "kunming-cell-2020"
KUNMING_DATES = (
    # 落款 2020年10月21日; 附则 本措施自发文之日起施行，执行期5年 (to 2025-10-20 inclusive)
    D("2020-10-21"), D("2020-10-21"), None, D("2025-10-20"), None,
)
KUNMING_ROWS = [
    ("km-01-operating", "?", "platform"),  # （一）对…国家级共建平台，给予运营管理费用补贴 (no sum)
    ("km-02-filing", "100", "project_team"),  # （二）给予项目团队一次性100万元的奖励
    ("km-02-cost", "50% cap 500", "applicant"),  # （二）给予临床研究成本50%的补助,最高500万
    # （三）院士工作站、专家工作站分别给予180万元、90万元
    ("km-03-workstation", "academician=180; expert=90", "applicant"),
    # （三）国家级重点实验室、技术创新中心 分别给予最高不超过500万元、1000万元
    ("km-03-national-platform", "key_laboratory=0..500; technology_innovation_centre=0..1000",
     "applicant"),
    ("km-04-standards", "?", "applicant"),  # （四）标准 按…经费管理办法执行 (no sum here)
    ("km-06-phase1", "0..500", "applicant"),  # （六）完成Ⅰ期并进入Ⅱ期 每项最高不超过500万元
    ("km-06-phase2", "0..1000", "applicant"),  # （六）完成Ⅱ期并进入Ⅲ期 每项最高不超过1000万元
    ("km-06-phase3", "0..2000", "applicant"),  # （六）完成Ⅲ期并取得注册批件 每项最高不超过2000万元
    ("km-06-mah", "0..2000", "mah"),  # （六）给予药品上市许可持有人一次性最高不超过2000万元
    ("km-07-venture", "?", "applicant"),  # （七）经专家委员会同意，给予一次性奖励 (no sum)
    ("km-07-international", "100", "project_applicant"),  # （七）给予项目申请人100万元
    ("km-07-patent", "each 50", "first_patent_applicant"),  # （七）给予第一注册申请人50万元
    ("km-07-capital", "2% cap 500", "applicant"),  # （七）注册资本实际到位资金的2%…最高500万元
    # （七）按该品种较当年销售收入的5%给予最高500万元奖励 (the MAH that entrusts)
    ("km-07-cmo", "5% cap 500", "entrusting_holder"),
    ("km-07-brought-in", "each 1000", "approval_holder"),  # （七）每个批文1000万元…给予批文持有人
    ("km-09-renovation", "5% cap 200", "applicant"),  # （九）按照发票金额给予5%最高200万元
    ("km-09-talent", "?", "talent"),  # （九）对企业的高级管理人才、高端专业人才给予奖励
]
KUNMING_CEILINGS = [
    # （七）…2%予以最高500万元补助资本金: the capital top-up is at most 500 per enterprise in all
    ("km-07-capital-total", "total", 500, {"km-07-capital"}),
]

# ---- 001 云南省 关于促进生物医药产业高质量发展的意见 ------------------------------------------------
YUNNAN = "yunnan-biomed-2019"
YUNNAN_DATES = (
    # No title, number or date in the file; a copy was posted 2019-11-22 (seeds/README.md).
    None, "unknown", D("2019-11-22"), None, None,
)
YUNNAN_ROWS = [
    ("yn-08-01-industrialise", "?", "applicant"),  # 八（一）支持…实施产业化的项目 (no sum)
    ("yn-08-01-hq", "1000", "applicant"),  # 八（一）总部新落户…一次性奖励1000万元
    # 八（二）临床批件或备案，完成Ⅰ、Ⅱ、Ⅲ期：按照研发投入的20%，分别给予最高300、300、500、800万元
    ("yn-08-02-clinical-approval", "20% cap 300", "applicant"),
    ("yn-08-02-clinical-phase", "1=20% cap 300; 2=20% cap 500; 3=20% cap 800", "applicant"),
    ("yn-08-02-consistency", "0..300", "applicant"),  # 八（二）每个品种给予最高300万元奖励
    ("yn-08-02-tcm-reeval", "0..500", "applicant"),  # 八（二）每个品种给予最高500万元奖励
    ("yn-08-02-tech-transform", "?", "applicant"),  # 八（二）支持企业…进行技术改造 (资金支持, no sum)
    ("yn-08-03-platform-assets", "?", "platform"),  # 八（三）固定资产建设奖补 (no sum)
    ("yn-08-03-platform-contracts", "?", "platform"),  # 八（三）研发合同奖补 (no sum)
    ("yn-08-04-varieties", "?", "applicant"),  # 八（四）支持生物医药新品种引进 (no sum)
]
YUNNAN_CEILINGS: list[tuple[str, str, int, Any]] = []  # none above the single award

# ---- 002 南山区促进生物医药产业领航发展实施方案(2021-2025年) -------------------------------------
NANSHAN_PLAN = "nanshan-plan-2021"
NANSHAN_PLAN_DATES = (
    # 2021年6月8日…正式发布 (时间:2021-06-08); the plan runs 2021-2025
    D("2021-06-08"), D("2021-06-08"), None, D("2025-12-31"), None,
)
NANSHAN_PLAN_ROWS = [
    # 8. 设立生物医药科技保险补贴，对区内生物医药企业…药物临床试验责任保险的费用予以补贴 (no sum)
    ("nsp-08-trial-insurance", "?", "applicant"),
]

# ---- 002 南山区 十六条 (its official interpretation, 三、主要内容) -----------------------------------
NANSHAN = "nanshan-measures-2021"
NANSHAN_DATES = (
    # The measures' own dates are not in the file; the interpretation is dated 时间:2021-06-08.
    None, "unknown", D("2021-06-08"), None, None,
)
NANSHAN_ROWS = [
    ("ns-01-platform", "0..2000", "platform"),  # (一)创新平台 每年给予最高2000万元的资助
    # (一)按照场地装修费的50%给予一次性资助，及最长5年的租金补贴，累计最高800万元
    ("ns-01-renovation", "50% cap 800", "platform"),
    ("ns-01-rent", "0..800", "platform"),  # no rent rate stated: up to the 800 in all
    ("ns-02-new-drug-stage", "0..2000", "applicant"),  # (二)每家企业每年最高2000万元
    ("ns-03-consistency-first", "0..100", "applicant"),  # (三)每家企业每年最高100万元
    ("ns-04-device-certificate", "0..300", "applicant"),  # (四)每家企业每年最高300万元
    ("ns-05-high-growth-rent", "30% cap 200", "applicant"),  # (五)实际租金的30%…每年不超过200万元
    # (六)药品上市许可持有人、医疗器械产品注册持有人…每年分别最高资助1000万元、150万元
    ("ns-06-relocation-mah", "0..1000", "mah"),
    ("ns-06-relocation-device", "0..150", "applicant"),  # the registrant itself applies
    ("ns-07-talent-venture", "0..2000", "applicant"),  # (七)对高层次人才创办的企业…最高2000万元
    ("ns-08-loan-interest", "70% cap 100", "applicant"),  # (八)利息金额的70%…每家企业每年最高100万元
    ("ns-09-hazardous-waste", "0..30", "applicant"),  # (九)按比例给予补贴，每家企业每年最高30万元
    ("ns-10-science-event", "0..200", "applicant"),  # (十)每个活动最高200万元
]
NANSHAN_CEILINGS = [
    ("ns-01-space-total", "total", 800, {"ns-01-renovation", "ns-01-rent"}),  # (一)累计最高800万元
    # (一)…创新平台，每年给予最高2000万元的资助: two platform facts of one year pay 2000 at most
    ("ns-01-platform-yearly", "per_year", 2000, {"ns-01-platform"}),
    ("ns-02-yearly", "per_year", 2000, {"ns-02-new-drug-stage"}),  # (二)每家企业每年最高2000万元
    ("ns-03-yearly", "per_year", 100, {"ns-03-consistency-first"}),  # (三)每家企业每年最高100万元
    ("ns-04-yearly", "per_year", 300, {"ns-04-device-certificate"}),  # (四)每家企业每年最高300万元
    # (五)按照其实际租金的30%给予补贴，每年补贴金额分别不超过200万元: two rent facts of a year, 200
    ("ns-05-rent-yearly", "per_year", 200, {"ns-05-high-growth-rent"}),
    ("ns-06-mah-yearly", "per_year", 1000, {"ns-06-relocation-mah"}),  # (六)同一申报主体每年…1000
    ("ns-06-device-yearly", "per_year", 150, {"ns-06-relocation-device"}),  # (六)…150万元
    ("ns-07-total", "total", 2000, {"ns-07-talent-venture"}),  # (七)在落地、租金、产业化等方面…最高2000
    ("ns-08-yearly", "per_year", 100, {"ns-08-loan-interest"}),  # (八)每家企业每年最高100万元
    ("ns-09-yearly", "per_year", 30, {"ns-09-hazardous-waste"}),  # (九)每家企业每年最高30万元
]
# Said by the text, not in the data (see test_yearly_limits_the_data_does_not_state).
NANSHAN_MISSING_YEARLY = {
    "ns-01-platform": 2000,  # (一)每年给予最高2000万元的资助: two platform facts in a year pay 4000
    "ns-05-high-growth-rent": 200,  # (五)每年补贴金额分别不超过200万元: two rent facts of a year, 400
}

# ---- 003 重庆市加快生物医药产业发展若干措施 渝府办〔2022〕12号 --------------------------------------
CHONGQING = "chongqing-biomed-2022"
CHONGQING_DATES = (
    # 2022年3月1日; 本措施自印发之日起30日后实施 (2022-03-01 + 30 days); no end date
    D("2022-03-01"), D("2022-03-31"), None, None, None,
)
CHONGQING_ROWS = [
    ("cq-03-cro", "≤20% cap 1000", "applicant"),  # 3．不超过固定资产投资20%、最高1000万元
    # 3．年度服务合同金额在300万元以上的，按年度合同金额的3%给予最高不超过500万元
    ("cq-03-rd-services", "[300,): 3% cap 500", "applicant"),
    # 8．不超过研发投入20%；临床前、Ⅰ、Ⅱ、Ⅲ期 最高分别为300、200、300、700万元/项
    ("cq-08-preclinical", "≤20% cap 300", "applicant"),
    ("cq-08-phase1", "≤20% cap 200", "applicant"),
    ("cq-08-phase2", "≤20% cap 300", "applicant"),
    ("cq-08-phase3", "≤20% cap 700", "applicant"),
    ("cq-08-device", "≤20% cap 500", "applicant"),  # 8．特别审查程序 不超过研发投入20%、最高500万元
    # 9．创新药每个1000万元，改良型新药、生物类似药每个500万元，中药经典名方产品每个100万元
    ("cq-09-drug", "biosimilar=500; improved=500; innovative=1000; tcm_classic=100", "applicant"),
    ("cq-09-device", "100", "applicant"),  # 9．第三类医疗器械每个奖励100万元
    ("cq-09-consistency", "100", "applicant"),  # 9．通过或视同通过一致性评价的产品每个奖励100万元
    ("cq-10-overseas", "0..100", "applicant"),  # 10．给予最高100万元一次性奖励
    ("cq-12-manufacturing", "≤20% cap 1000", "applicant"),  # 12．不超过固定资产投资20%、最高1000万元
    ("cq-12-jiebang", "?", "applicant"),  # 12．列入"揭榜挂帅"清单的重大项目，按有关规定给予支持
    # 13．年度委托服务收入超过1000万元的，按…3%给予受托企业最高不超过500万元
    ("cq-13-cdmo", "(1000,): 3% cap 500", "manufacturer"),
    ("cq-14-supply-chain", "0..100", "applicant"),  # 14．给予最高100万元的一次性奖励
    ("cq-15-ipo", "?", "applicant"),  # 15．加大对挂牌、上市的生物医药企业的奖补力度 (no sum)
]
CHONGQING_CEILINGS: list[tuple[str, str, int, Any]] = []  # only per-item caps (万元/项)

# ---- 004 苏州市生物医药产业创新集群建设实施方案 苏府〔2022〕33号 (no amounts) ----------------------
SUZHOU_CLUSTER = "suzhou-cluster-2022"
SUZHOU_CLUSTER_DATES = (
    # Not in the file: 苏府〔2022〕33号 of 2022-05-19 (seeds/README.md); no end date
    D("2022-05-19"), D("2022-05-19"), None, None, None,
)
SUZHOU_CLUSTER_ROWS = [
    ("szc-07-major-project", "?", "applicant"),
    ("szc-10-procurement-winner", "?", "applicant"),
    ("szc-10-notable-product-buyers", "?", "applicant"),
    ("szc-11-top-talent", "?", "talent"),
    ("szc-16-transfer-support", "?", "applicant"),
    ("szc-20-national-projects", "?", "applicant"),
    ("szc-21-drug-phases", "?", "applicant"),
    ("szc-21-drug-phases-completed", "?", "applicant"),
    ("szc-21-device-registration", "?", "applicant"),
    ("szc-21-innovative-device", "?", "applicant"),
    ("szc-21-top3-generic", "?", "applicant"),
    ("szc-22-first-set-uplift", "?", "applicant"),
    ("szc-22-first-version-software", "?", "applicant"),
    ("szc-22-three-firsts-buyers", "?", "applicant"),
    ("szc-23-gcp-specialties", "?", "medical_institution"),
    ("szc-23-hospital-industry", "?", "medical_institution"),
    ("szc-30-listing-support", "?", "applicant"),
]

# ---- 004 江苏省 关于促进全省生物医药产业高质量发展的若干政策措施 -------------------------------------
JIANGSU = "jiangsu-biomed-2021"
JIANGSU_DATES = (
    # 本政策措施自2021年11月1日起实施，有效期至2024年12月31日; the issue date is not in the file
    None, D("2021-11-01"), None, D("2024-12-31"), None,
)
JIANGSU_ROWS = [
    ("js-02-biologics-centre", "?", "platform"),  # 2﹒按照"一事一议"原则给予支持
    ("js-03-national-base", "?", "platform"),  # 3.采取"一事一议"方式给予重点支持
    ("js-04-frontier", "500..2000", "project_applicant"),  # 4.给予500万元—2000万元资金支持
    # 5.完成Ⅱ期并已启动Ⅲ期的创新药物、已完成样机检验的医疗器械 择优给予1000万元—3000万元
    ("js-05-phase2-next", "1000..3000", "applicant"),
    ("js-05-device-prototype", "1000..3000", "applicant"),
    # 5.创新药(1类) 已完成Ⅰ、Ⅱ、Ⅲ期，以及获得许可并在我省生产 按照不同研发阶段 择优给予最高3000万元
    ("js-05-innov-phase", "0..3000", "applicant"),
    ("js-05-innov-approval", "0..3000", "applicant"),
    # 5.改良型新药(2类) 已完成Ⅱ、Ⅲ期，以及获得许可并在我省生产 择优给予最高1000万元
    ("js-05-improved-phase", "0..1000", "applicant"),
    ("js-05-improved-approval", "0..1000", "applicant"),
    ("js-05-device-review", "0..200", "applicant"),  # 5.进入创新医疗器械特别审查程序 最高200万元
    ("js-05-device-class3", "0..2000", "applicant"),  # 5.首次取得第三类注册证且在我省生产 最高2000万元
    ("js-13-transform", "0..4000", "applicant"),  # 13.实施技术改造…最高给予4000万元
    ("js-13-engineering", "0..3000", "applicant"),  # 13.工程化阶段…最高给予3000万元
    ("js-13-major-project", "?", "applicant"),  # 13.对重大项目按照…专项资金管理办法…给予支持
    ("js-18-first-set", "0..3000", "applicant"),  # 18﹒高端医疗器械首台…最高分别不超过3000万元
    ("js-18-first-batch", "0..300", "applicant"),  # 18﹒新材料首批次…和300万元
    ("js-21-top-talent", "0..10000", "project_team"),  # 21.顶尖人才和团队…最高给予1亿元项目资助
    ("js-22-doctoral", "each 15", "talent"),  # 22.认定为省"双创博士"的，给予15万元资金补助
    ("js-27-patent-centre", "?", "platform"),  # 27.对…培育成效明显的中心给予奖励 (no sum)
    # 28.按不超过…实际出资额(支付现金部分)的5%给予补助，最高不超过3000万元
    ("js-28-acquisition", "≤5% cap 3000", "applicant"),
    # 28.按其实际缴纳保费的50%予以资助，单个保单最高不超过50万元
    ("js-28-insurance", "50% cap 50", "applicant"),
    ("js-30-topup", "≤50%", "applicant"),  # 30﹒补助比例不超过地方投入的50% (no sum)
]
JIANGSU_CEILINGS = [
    # 5. 每个单位每年累计支持额度不超过1亿元 (every award of 5.)
    ("js-05-yearly", "per_year", 10000, {
        "js-05-phase2-next", "js-05-device-prototype", "js-05-innov-phase", "js-05-innov-approval",
        "js-05-improved-phase", "js-05-improved-approval", "js-05-device-review",
        "js-05-device-class3",
    }),
    ("js-28-insurance-yearly", "per_year", 500, {"js-28-insurance"}),  # 28.单个企业每年…不超过500万元
]

# ---- 004 苏州市 关于加快推进苏州市生物医药产业高质量发展的若干措施 苏府办〔2019〕69号 ------------------
SUZHOU = "suzhou-measures-2019"
SUZHOU_DATES = (
    # Not in the file: issued 2019-04-15 (seeds/README.md); 本文件自印发之日起实施，有效期3年
    # (to 2022-04-14 inclusive); 项目认定时限均为2019年1月1日以后
    D("2019-04-15"), D("2019-04-15"), None, D("2022-04-14"), D("2019-01-01"),
)
SUZHOU_ROWS = [
    ("sz-06-major-project", "20% cap 2000", "applicant"),  # 第六条 项目资金的20%，最高不超过2000万元
    # 第六条 进入I、II、III期临床试验阶段 分别给予100万元、150万元和250万元一次性资助
    ("sz-06-phase-entered", "1=100; 2=150; 3=250", "applicant"),
    # 第六条 完成I、II、III期 实际研发费用的20%，分别给予最高不超过100万元、200万元和400万元
    ("sz-06-phase-completed", "1=20% cap 100; 2=20% cap 200; 3=20% cap 400", "applicant"),
    ("sz-07-class3", "20% cap 300", "applicant"),  # 第七条 第三类 研发费用的20%，最高不超过300万元
    ("sz-07-class2", "10% cap 50", "applicant"),  # 第七条 第二类 研发费用的10%，最高不超过50万元
    ("sz-08-first-generic", "20% cap 500", "applicant"),  # 第八条 研发费用的20%，最高不超过500万元
    # 第十一条 首次取得GLP认证项目达到3大项、5大项的，分别给予100万元、200万元
    ("sz-11-glp", "[3,5): 100 | [5,): 200", "applicant"),
    ("sz-11-gcp", "each 50", "applicant"),  # 第十一条 每新增1个专业学科给予50万元资助
    ("sz-11-cnas", "20% cap 300", "applicant"),  # 第十一条 设备金额的20%，最高不超过300万元
    ("sz-11-intl-cert", "20% cap 200", "applicant"),  # 第十一条 申报费用支出的20%，最高不超过200万元
    # 第十三条 总投资1亿元以上,5亿元以下 实际投入的10%，每个企业最高不超过2000万元；5亿元以上 一事一议
    ("sz-13-drug-industrialisation", "[10000,50000]: 10% cap 2000 | (50000,): ?", "applicant"),
    # 第十三条 器械 5000万元以上,1亿元以下 10%，每个企业最高不超过500万元；1亿元以上 一事一议
    ("sz-13-device-industrialisation", "[5000,10000]: 10% cap 500 | (10000,): ?", "applicant"),
    # 第十四条 最高按照项目投资额的15%予以资助，单个企业每年资助最高不超过500万元
    ("sz-14-digital-transformation", "≤15% cap 500", "applicant"),
    # 第十五条 对委托方按实际交易费用的5%给予资助，单个企业或机构每年资助最高不超过1000万元
    ("sz-15-entrusting", "5% cap 1000", "entrusting_holder"),
    # 第十五条 对承担委托生产任务的企业…最高按实际交易费用的10%，每个品种最高不超过500万元
    ("sz-15-manufacturer", "≤10% cap 500", "manufacturer"),
    # 第十六条 单台(套)销售价格的15%~30%给予资助，资助金额最高不超过1000万元
    ("sz-16-first-set", "15%..30% cap 1000", "applicant"),
    ("sz-17-overseas-approval", "100", "applicant"),  # 第十七条 每个产品给予100万元资助
    ("sz-18-innovation-institutions", "?", "applicant"),  # 第十八条 按"一事一议"方式给予重点支持
    # 第十九条 实收资本的1%~3%予以资助，单个企业最高不超过6000万元
    ("sz-19-regional-hq", "1%..3% cap 6000", "applicant"),
    # 第十九条 其中…研发中心上年度核准研发费用的20%予以额外资助，最高不超过1000万元
    ("sz-19-rd-centre", "20% cap 1000", "applicant"),
    ("sz-20-top-talent", "?", "talent"),  # 第二十条 顶尖人才 一事一议…上不封顶的特殊支持
    ("sz-20-leading-project", "100..400", "talent"),  # 第二十条 领军人才 100~400万元项目资助
    ("sz-20-leading-housing", "100..250", "talent"),  # 第二十条 和100~250万元安家补贴
    ("sz-20-shortage", "each 6..12", "talent"),  # 第二十条 紧缺人才 给予6~12万元薪酬补贴
    # 第二十条 猎头引进…给予每年最高100万元佣金补贴 (read: a subsidy of the fee, never above it)
    ("sz-20-headhunter", "≤100% cap 100", "applicant"),
    ("sz-20-innovative-leading", "0..50", "employer"),  # 第二十条 对引进…的企业，给予最高50万元引才奖励
    ("sz-20-top-housing", "0..500", "talent"),  # 第二十条 顶尖人才 最高500万元购房补贴
    ("sz-20-top-contribution", "0..100", "talent"),  # 第二十条 最高100万元贡献奖励
    ("sz-22-ipo", "0..100", "applicant"),  # 第二十二条 IPO 每家最高不超过100万元奖励
    ("sz-22-insurance", "?", "applicant"),  # 第二十二条 保险 (no sum)
    ("sz-23-new-platform", "30% cap 2000", "platform"),  # 第二十三条 总投资的30%…最高不超过2000万元
    # 第二十三条 上年度为本市企业服务金额的10%予以资助，每年最高不超过500万元
    ("sz-23-platform-services", "10% cap 500", "platform"),
    ("sz-23-key-platform", "?", "platform"),  # 第二十三条 (no sum)
    # 第二十四条 国家级、省级、苏州市级 分别给予2000万元、1000万元和500万元的一次性资助
    ("sz-24-innovation-centre", "city=500; national=2000; provincial=1000", "applicant"),
    ("sz-24-alliance", "?", "applicant"),  # 第二十四条 自联盟成立之日起连续3年，给予联盟活动经费补助
]
SUZHOU_CEILINGS = [
    # 第五条 单个企业每年资助总额最高不超过8000万元 (what the enterprise receives: not talent)
    ("sz-yearly-total", "per_year", 8000, "*"),
    # 第六条 (临床) 单个企业每年资助最高不超过3000万元
    ("sz-06-clinical-yearly", "per_year", 3000, {"sz-06-phase-entered", "sz-06-phase-completed"}),
    ("sz-07-device-yearly", "per_year", 500, {"sz-07-class3", "sz-07-class2"}),  # 第七条 每年500
    ("sz-08-generic-yearly", "per_year", 1000, {"sz-08-first-generic"}),  # 第八条 每年1000
    ("sz-13-drug-total", "total", 2000, {"sz-13-drug-industrialisation"}),  # 第十三条 每个企业2000
    ("sz-13-device-total", "total", 500, {"sz-13-device-industrialisation"}),  # 第十三条 每个企业500
    ("sz-14-transformation-yearly", "per_year", 500, {"sz-14-digital-transformation"}),  # 第十四条
    ("sz-15-entrusting-yearly", "per_year", 1000, {"sz-15-entrusting"}),  # 第十五条 每年1000
    ("sz-15-manufacturer-product", "per_product", 500, {"sz-15-manufacturer"}),  # 第十五条 每个品种
    ("sz-17-overseas-product", "per_product", 100, {"sz-17-overseas-approval"}),  # 第十七条 每个产品
    ("sz-17-overseas-total", "total", 500, {"sz-17-overseas-approval"}),  # 第十七条 单个企业500
    ("sz-19-hq-total", "total", 6000, {"sz-19-regional-hq"}),  # 第十九条 单个企业最高不超过6000
    ("sz-20-headhunter-yearly", "per_year", 100, {"sz-20-headhunter"}),  # 第二十条 每年最高100
    ("sz-23-services-yearly", "per_year", 500, {"sz-23-platform-services"}),  # 第二十三条 每年500
]

TEXTS = [  # (document, dates, rows, ceilings) in the texts' order
    (KUNMING, KUNMING_DATES, KUNMING_ROWS, KUNMING_CEILINGS),
    (YUNNAN, YUNNAN_DATES, YUNNAN_ROWS, YUNNAN_CEILINGS),
    (NANSHAN_PLAN, NANSHAN_PLAN_DATES, NANSHAN_PLAN_ROWS, []),
    (NANSHAN, NANSHAN_DATES, NANSHAN_ROWS, NANSHAN_CEILINGS),
    (CHONGQING, CHONGQING_DATES, CHONGQING_ROWS, CHONGQING_CEILINGS),
    (SUZHOU_CLUSTER, SUZHOU_CLUSTER_DATES, SUZHOU_CLUSTER_ROWS, []),
    (JIANGSU, JIANGSU_DATES, JIANGSU_ROWS, JIANGSU_CEILINGS),
    (SUZHOU, SUZHOU_DATES, SUZHOU_ROWS, SUZHOU_CEILINGS),
]
ROWS = {mid: (doc, fig, who) for doc, _, rows, _ in TEXTS for mid, fig, who in rows}


def n(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def pct(rate: Decimal) -> str:
    return n(rate * 100) + "%"


def cap(ceiling: Decimal | None) -> str:
    return "" if ceiling is None else f" cap {n(ceiling)}"


def interval(band: Any) -> str:
    lower = "" if band.lower is None else n(band.lower)
    upper = "" if band.upper is None else n(band.upper)
    left = "[" if band.lower_inclusive and band.lower is not None else "("
    right = "]" if band.upper_inclusive and band.upper is not None else ")"
    return f"{left}{lower},{upper}{right}"


def figures(f: Any) -> str:
    """The formula's figures in the notation of the module docstring (read off its fields)."""
    kind = f.kind
    if kind == "fixed":
        return n(f.amount)
    if kind == "up_to":
        return f"0..{n(f.max)}"
    if kind == "range":
        return f"{n(f.min)}..{n(f.max)}"
    if kind == "share":
        return ("≤" if f.rate_is_ceiling else "") + pct(f.rate) + cap(f.max)
    if kind == "share_range":
        return f"{pct(f.rate_min)}..{pct(f.rate_max)}{cap(f.max)}"
    if kind == "per_unit":
        return "each " + figures(f.each)
    if kind in ("staged", "tiered"):
        return "; ".join(f"{k}={figures(v)}" for k, v in sorted(f.options.items()))
    if kind == "banded":
        return " | ".join(f"{interval(b)}: {figures(b.formula)}" for b in f.bands)
    if kind == "case_by_case":
        return "?"
    raise AssertionError(f"no notation for kind {kind}")


@pytest.mark.parametrize(("document", "dates"), [(t[0], t[1]) for t in TEXTS])
def test_dates_of_each_document(ruleset, document, dates):
    d = ruleset.documents[document]
    issued, start, known_by, until, facts_from = dates
    got_start = "unknown" if d.start_unknown else d.effective_from
    got = (d.issued, got_start, d.known_by, d.effective_until, d.facts_from)
    assert got == (issued, start, known_by, until, facts_from)


@pytest.mark.parametrize(("document", "rows"), [(t[0], t[2]) for t in TEXTS])
def test_every_money_figure_and_recipient_matches_the_text(ruleset, document, rows):
    wrong = {}
    for mid, fig, who in rows:
        m = ruleset.measures.get(mid)
        if m is None:
            wrong[mid] = "not in the data"
            continue
        got = (m.document_id, figures(m.formula), m.recipient)
        if got != (document, fig, who):
            wrong[mid] = (got, (document, fig, who))
    assert not wrong, f"data vs the text ((doc, figures, recipient) in data, read): {wrong}"


@pytest.mark.parametrize(("document", "ceilings"), [(t[0], t[3]) for t in TEXTS])
def test_every_ceiling_matches_the_text(ruleset, document, ceilings):
    doc = ruleset.documents[document]
    got = {
        c.id: (c.scope, c.amount, "*" if c.measures is None else set(c.measures))
        for c in doc.ceilings
    }
    read = {cid: (scope, Decimal(amount), members) for cid, scope, amount, members in ceilings}
    assert got == read


def test_the_document_wide_ceiling_limits_the_enterprise_not_its_people(ruleset):
    # Suzhou 第五条 单个企业每年资助总额: what the enterprise receives, not the talent awards
    # of 第二十条 paid to people.
    total = next(c for c in ruleset.documents[SUZHOU].ceilings if c.id == "sz-yearly-total")
    assert set(total.exempt) == {"talent"}


def test_every_money_measure_is_in_the_tables(ruleset):
    # A new, dropped or changed money measure needs its figures read from the text.
    with_money = {m.id for m in ruleset.measures.values() if m.formula.kind != "no_money"}
    assert with_money - set(ROWS) == set(), "money measures not in the hand tables"
    assert set(ROWS) - with_money == set(), "table rows for measures without money"


def test_every_document_is_in_the_tables(ruleset):
    assert set(ruleset.documents) == {t[0] for t in TEXTS}


def test_nanshan_yearly_limits_of_one_and_five(ruleset):
    doc = ruleset.documents[NANSHAN]
    yearly = {
        (mid, c.amount)
        for c in doc.ceilings
        if c.scope == "per_year" and c.measures is not None
        for mid in c.measures
    }
    assert {(mid, Decimal(v)) for mid, v in NANSHAN_MISSING_YEARLY.items()} <= yearly


def test_two_rent_facts_of_one_year_get_the_yearly_200_of_nanshan_five(ruleset):
    # (五) 30% of actual rent, 每年补贴金额…不超过200万元: rent of 1,000 paid in two parts in
    # 2022 is 300 + 300 before the ceiling; the year pays 200 in all (before this ceiling, 400).
    from policycalc.engine import estimate

    from .conftest import day, make_profile

    rent = {"kind": "rent_paid", "subsidy_year": 1, "amount": 1000}
    profile = make_profile(
        ruleset, "nanshan", {**rent, "date": "2022-03-01"}, {**rent, "date": "2022-09-01"},
        legal_form="enterprise", high_growth=True,
    )
    result = estimate(ruleset, profile, day("2023-06-30"))
    ours = [a for a in result.awards if a.measure.id == "ns-05-high-growth-rent"]
    assert len(ours) == 2
    group = next(g for g in result.ceilings if g.ceiling.id == "ns-05-rent-yearly")
    assert (group.bounds.min, group.bounds.max) == (Decimal(200), Decimal(200))
