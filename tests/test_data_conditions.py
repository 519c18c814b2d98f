"""The conditions of every money measure, read by hand from the seed texts, in their order.

Each case is one fact the text rewards, written from the article's words (never from the
YAML), and what the text says about it:
- `allow`: the values of a field the text names (every one of them matches; for fields other
  than the product type, every other value of the profile vocabulary does not);
- `need`: a yes/no the text requires (the opposite does not match);
- `least` / `most`: a bound the text states (the bound itself matches, one step past it does not);
  `above`: a strict lower bound (the bound does not match, 0.01 more does).
A data error in a condition — a value swapped in a `where`, a flag turned round, a threshold
moved — fails here, even where no money figure changes.

The product type is tested on its allowed values only: how an old-form `product_type` outside
a measure's list is read (contradicted, or not said) is the profile model's business.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from policycalc.engine import estimate
from policycalc.profile import LEGACY_MODALITY, LEGACY_PRODUCT_TYPE

from .conftest import make_profile

NO_NEGATIVES = {"product_type"}
# Product attributes given in the old form on the fact (`product_type`, `modality`,
# `drug_class`): the values that form takes.
LEGACY = {
    "product_type": tuple(LEGACY_PRODUCT_TYPE),
    "modality": tuple(LEGACY_MODALITY),
    "drug_class": (1, 2, 3, 4, 5),
}


def case(measure: str, region: str, as_of: str, fact: dict[str, Any], **spec: Any) -> dict:
    return {"measure": measure, "region": region, "as_of": as_of, "fact": fact, **spec}


SUZHOU_FIRM = {"in_enterprise_database": True}

CASES = [
    # ---- 000 昆明市高质量发展细胞产业十条措施 (in force 2020-10-21 for 5 years) ----------------
    # （一）对与昆明市签订合作协议并落地昆明细胞产业园的各国家级共建平台，给予运营管理费用补贴
    case("km-01-operating", "kunming", "2021-06-30",
         {"kind": "cobuilt_platform", "date": "2021-03-01", "in_local_park": True},
         need={"in_local_park": True}),
    # （二）对昆明市域范围内的医疗机构…在临床研究中心及其各分中心开展临床研究的项目
    case("km-02-filing", "kunming", "2021-06-30",
         {"kind": "cell_clinical_study", "date": "2021-03-01", "in_local_centre": True,
          "research_cost": 100},
         applicant={"legal_form": "medical_institution"},
         allow={"legal_form": {"medical_institution"}}, need={"in_local_centre": True}),
    case("km-02-cost", "kunming", "2021-06-30",
         {"kind": "cell_clinical_study", "date": "2021-03-01", "in_local_centre": True,
          "research_cost": 100},
         applicant={"legal_form": "medical_institution"},
         allow={"legal_form": {"medical_institution"}}, need={"in_local_centre": True}),
    # （三）院士工作站、专家工作站
    case("km-03-workstation", "kunming", "2021-06-30",
         {"kind": "innovation_workstation", "date": "2021-03-01", "type": "academician"},
         allow={"type": {"academician", "expert"}}),
    # （三）承担国家级重点实验室、技术创新中心等重大创新平台建设任务
    case("km-03-national-platform", "kunming", "2021-06-30",
         {"kind": "national_platform_task", "date": "2021-03-01", "type": "key_laboratory"},
         allow={"type": {"key_laboratory", "technology_innovation_centre"}}),
    # （四）由…企事业单位和社会团体作为主要项目承担单位制定的标准
    case("km-04-standards", "kunming", "2021-06-30",
         {"kind": "standard_drafted", "date": "2021-03-01", "level": "national",
          "main_undertaker": True},
         need={"main_undertaker": True}),
    # （六）具有独立法人资格的机构主导研发的细胞类生物制品：完成Ⅰ期并进入Ⅱ期
    case("km-06-phase1", "kunming", "2021-06-30",
         {"kind": "clinical_phase_completed", "date": "2021-03-01", "phase": 1,
          "product_type": "cell_biologic", "next_phase_entered": True},
         allow={"phase": {1}, "product_type": {"cell_biologic"}},
         need={"next_phase_entered": True, "independent_legal_person": True}),
    case("km-06-phase2", "kunming", "2021-06-30",
         {"kind": "clinical_phase_completed", "date": "2021-03-01", "phase": 2,
          "product_type": "cell_biologic", "next_phase_entered": True},
         allow={"phase": {2}, "product_type": {"cell_biologic"}},
         need={"next_phase_entered": True, "independent_legal_person": True}),
    # （六）完成Ⅲ期临床试验并取得注册批件
    case("km-06-phase3", "kunming", "2021-06-30",
         {"kind": "clinical_phase_completed", "date": "2021-03-01", "phase": 3,
          "product_type": "cell_biologic", "registration_approved": True},
         allow={"phase": {3}, "product_type": {"cell_biologic"}},
         need={"registration_approved": True, "independent_legal_person": True}),
    # （六）上市许可持有人将其已获得药品批准文号的细胞类生物制品在昆明产业化落地的
    case("km-06-mah", "kunming", "2021-06-30",
         {"kind": "drug_approval", "date": "2021-03-01", "approval_kind": "innovative",
          "modality": "cell_biologic", "industrialised_in_region": True},
         allow={"modality": {"cell_biologic"}}, need={"industrialised_in_region": True}),
    # （七）经专家委员会同意，给予一次性奖励
    case("km-07-venture", "kunming", "2021-06-30",
         {"kind": "researcher_venture", "date": "2021-03-01", "expert_committee_approved": True},
         need={"expert_committee_approved": True}),
    # （七）获得FDA、EMEA、PMDA、WHO等国际先进体系认证的项目
    case("km-07-international", "kunming", "2021-06-30",
         {"kind": "international_approval", "date": "2021-03-01", "agency": "FDA"},
         allow={"agency": {"FDA", "EMA", "PMDA", "WHO"}}),
    # （七）对获得发明专利证书的，给予第一注册申请人
    case("km-07-patent", "kunming", "2021-06-30",
         {"kind": "invention_patent", "date": "2021-03-01", "first_applicant": True, "count": 1},
         need={"first_applicant": True}),
    # （七）按照企业注册资本实际到位资金的2%: an enterprise's capital
    case("km-07-capital", "kunming", "2021-06-30",
         {"kind": "capital_paid_in", "date": "2021-03-01", "amount": 1000},
         allow={"legal_form": {"enterprise"}}),
    # （七）上市许可持有人委托我市企业生产其所持有的细胞类生物制品，且销售、税收结算在我市
    case("km-07-cmo", "kunming", "2021-06-30",
         {"kind": "contract_manufacturing", "date": "2021-03-01", "role": "entrusting_holder",
          "product_type": "cell_biologic", "partner_local": True, "settled_locally": True,
          "sales_revenue": 1000},
         allow={"role": {"entrusting_holder"}},
         need={"partner_local": True, "settled_locally": True}),
    # （七）新引进落地至昆明，委托外地生产，但在昆明结算的品种
    case("km-07-brought-in", "kunming", "2021-06-30",
         {"kind": "product_brought_in", "date": "2021-03-01", "approval_numbers": 1,
          "settled_locally": True},
         need={"settled_locally": True}),
    # （九）由属地…对入驻团队、企业的装修费用 (入驻: in the local park)
    case("km-09-renovation", "kunming", "2021-06-30",
         {"kind": "renovation", "date": "2021-03-01", "invoice_amount": 100,
          "in_local_park": True},
         need={"in_local_park": True}),
    # （九）根据企业当年对属地地方经济发展贡献情况，对企业的高级管理人才、高端专业人才给予奖励:
    # an enterprise's talents
    case("km-09-talent", "kunming", "2021-06-30",
         {"kind": "talent", "date": "2021-03-01", "type": "senior_manager"},
         allow={"type": {"senior_manager"}, "legal_form": {"enterprise"}}),
    # ---- 001 云南省 生物医药意见, 八 -----------------------------------------------------------
    # 八（一）总部新落户我省的生物医药世界500强或国内工业百强企业
    case("yn-08-01-hq", "yunnan", "2020-06-30",
         {"kind": "headquarters_settled", "date": "2020-03-01"},
         applicant={"fortune_global_500": True}, need={"fortune_global_500": True},
         allow={"legal_form": {"enterprise"}}),
    case("yn-08-01-hq", "yunnan", "2020-06-30",
         {"kind": "headquarters_settled", "date": "2020-03-01"},
         applicant={"china_pharma_top100": True}, need={"china_pharma_top100": True},
         allow={"legal_form": {"enterprise"}}),
    # 八（一）支持取得药品注册批件并在我省生物医药产业聚集区内实施产业化的项目
    case("yn-08-01-industrialise", "yunnan", "2020-06-30",
         {"kind": "drug_approval", "date": "2020-03-01", "approval_kind": "innovative",
          "industrialised_in_region": True},
         need={"industrialised_in_region": True}),
    # 八（二）我省企业或研究单位取得临床批件或进行临床备案
    case("yn-08-02-clinical-approval", "yunnan", "2020-06-30",
         {"kind": "clinical_approval", "date": "2020-03-01", "product_type": "innovative_drug",
          "rd_spend": 100},
         allow={"legal_form": {"enterprise", "research_institute", "university"}}),
    # 八（二）完成国内外Ⅰ、Ⅱ、Ⅲ期临床研究
    case("yn-08-02-clinical-phase", "yunnan", "2020-06-30",
         {"kind": "clinical_phase_completed", "date": "2020-03-01", "phase": 2,
          "product_type": "innovative_drug", "rd_spend": 100},
         allow={"phase": {1, 2, 3}, "legal_form": {"enterprise", "research_institute", "university"}}),
    # 八（二）支持我省企业开展仿制药一致性评价和中成药上市后再评价; 支持企业…技术改造
    case("yn-08-02-consistency", "yunnan", "2020-06-30",
         {"kind": "consistency_evaluation", "date": "2020-03-01", "nationwide_rank": 5},
         allow={"legal_form": {"enterprise"}}),
    case("yn-08-02-tcm-reeval", "yunnan", "2020-06-30",
         {"kind": "tcm_reevaluation", "date": "2020-03-01"},
         allow={"legal_form": {"enterprise"}}),
    case("yn-08-02-tech-transform", "yunnan", "2020-06-30",
         {"kind": "technical_transformation", "date": "2020-03-01", "scope": "transformation"},
         allow={"legal_form": {"enterprise"}}),
    # ---- 002 南山区 实施方案 8. / 十六条 (interpretation) --------------------------------------
    # 方案 8. 对区内生物医药企业用于购买药物临床试验责任保险的费用予以补贴
    case("nsp-08-trial-insurance", "nanshan", "2022-06-30",
         {"kind": "insurance_premium", "date": "2022-03-01", "policy_type": "clinical_trial_liability",
          "premium": 10},
         allow={"policy_type": {"clinical_trial_liability"}, "legal_form": {"enterprise"}}),
    # (一)创新平台…场地装修费的50%…及最长5年的租金补贴
    # (any renovation or rent paid at all: a cost of 0.01万 counts, none does not)
    case("ns-01-renovation", "nanshan", "2022-06-30",
         {"kind": "shared_innovation_platform", "date": "2022-03-01", "renovation_cost": 100},
         above={"renovation_cost": 0}),
    case("ns-01-rent", "nanshan", "2022-06-30",
         {"kind": "shared_innovation_platform", "date": "2022-03-01", "rent": 100,
          "subsidy_year": 5},
         most={"subsidy_year": 5}, above={"rent": 0}),
    # (二)提升新药创新能力…对自主研发的生物医药创新产品，按照企业注册在南山区以后完成的不同研发阶段;
    # 四、药品领域重点支持化学药、生物制品、中药
    case("ns-02-new-drug-stage", "nanshan", "2022-06-30",
         {"kind": "clinical_phase_completed", "date": "2022-03-01", "phase": 2,
          "product_type": "innovative_drug", "after_local_registration": True},
         allow={"product_type": {"innovative_drug", "improved_drug", "cell_biologic", "tcm"}},
         need={"after_local_registration": True}),
    # (三)上一年度在全国首个通过仿制药一致性评价的药品
    case("ns-03-consistency-first", "nanshan", "2022-06-30",
         {"kind": "consistency_evaluation", "date": "2021-09-01", "nationwide_rank": 1},
         most={"nationwide_rank": 1}),
    # (四)上一年度获得二类、三类医疗器械产品注册证
    case("ns-04-device-certificate", "nanshan", "2022-06-30",
         {"kind": "device_registration", "date": "2021-09-01", "device_class": 2},
         allow={"device_class": {2, 3}}),
    # (五)对高成长企业…连续补贴时间不超过三年
    case("ns-05-high-growth-rent", "nanshan", "2022-06-30",
         {"kind": "rent_paid", "date": "2022-03-01", "amount": 100, "subsidy_year": 3},
         applicant={"high_growth": True}, need={"high_growth": True}, most={"subsidy_year": 3}),
    # (六)新迁入南山的药品上市许可持有人、医疗器械产品注册持有人
    case("ns-06-relocation-mah", "nanshan", "2022-06-30",
         {"kind": "relocation", "date": "2022-03-01", "role": "drug_mah"},
         allow={"role": {"drug_mah"}}),
    case("ns-06-relocation-device", "nanshan", "2022-06-30",
         {"kind": "relocation", "date": "2022-03-01", "role": "device_registrant"},
         allow={"role": {"device_registrant"}}),
    # (七)对高层次人才创办的企业
    case("ns-07-talent-venture", "nanshan", "2022-06-30",
         {"kind": "talent_venture", "date": "2022-03-01", "support_type": "landing"},
         applicant={"founded_by_high_level_talent": True},
         need={"founded_by_high_level_talent": True}),
    # (八)完成贷款备案、获得贷款且按时还款的生物医药企业
    case("ns-08-loan-interest", "nanshan", "2022-06-30",
         {"kind": "loan_interest", "date": "2022-03-01", "interest_at_cap": 10,
          "repaid_on_time": True},
         need={"repaid_on_time": True}),
    # (九)对企业支付的医药废物等危险废物处理费用按比例给予补贴: fees an enterprise paid
    case("ns-09-hazardous-waste", "nanshan", "2022-06-30",
         {"kind": "hazardous_waste_disposal", "date": "2022-03-01", "fees": 10},
         allow={"legal_form": {"enterprise"}}),
    # (十)国家、省、市区政府有关部门批准的…重大科技创新活动
    case("ns-10-science-event", "nanshan", "2022-06-30",
         {"kind": "science_event", "date": "2022-03-01", "approving_level": "national"},
         allow={"approving_level": {"national", "provincial", "city", "district"}}),
    # ---- 003 重庆市加快生物医药产业发展若干措施 (in force from 2022-03-31) ------------------------
    # 3．对于投资新建的 CRO
    case("cq-03-cro", "chongqing", "2022-12-31",
         {"kind": "fixed_asset_investment", "date": "2022-06-01", "purpose": "cro", "amount": 100},
         allow={"purpose": {"cro"}}),
    # 8．创新药、改良型新药和生物类似药: 临床前、Ⅰ、Ⅱ、Ⅲ期 4个阶段分别立项支持
    case("cq-08-preclinical", "chongqing", "2022-12-31",
         {"kind": "preclinical_project", "date": "2022-06-01", "product_type": "innovative_drug",
          "rd_spend": 100},
         allow={"product_type": {"innovative_drug", "improved_drug", "biosimilar"}}),
    case("cq-08-phase1", "chongqing", "2022-12-31",
         {"kind": "clinical_phase_entered", "date": "2022-06-01", "phase": 1,
          "product_type": "innovative_drug", "rd_spend": 100},
         allow={"phase": {1}, "product_type": {"innovative_drug", "improved_drug", "biosimilar"}}),
    case("cq-08-phase2", "chongqing", "2022-12-31",
         {"kind": "clinical_phase_entered", "date": "2022-06-01", "phase": 2,
          "product_type": "innovative_drug", "rd_spend": 100},
         allow={"phase": {2}, "product_type": {"innovative_drug", "improved_drug", "biosimilar"}}),
    case("cq-08-phase3", "chongqing", "2022-12-31",
         {"kind": "clinical_phase_entered", "date": "2022-06-01", "phase": 3,
          "product_type": "innovative_drug", "rd_spend": 100},
         allow={"phase": {3}, "product_type": {"innovative_drug", "improved_drug", "biosimilar"}}),
    # 8．获批纳入国家创新医疗器械特别审查程序
    case("cq-08-device", "chongqing", "2022-12-31",
         {"kind": "innovative_device_review", "date": "2022-06-01", "level": "national",
          "rd_spend": 100},
         allow={"level": {"national"}}),
    # 9．创新药、改良型新药、生物类似药、中药经典名方产品; 第三类医疗器械
    case("cq-09-drug", "chongqing", "2022-12-31",
         {"kind": "drug_approval", "date": "2022-06-01", "approval_kind": "innovative"},
         allow={"approval_kind": {"innovative", "improved", "biosimilar", "tcm_classic"}}),
    case("cq-09-device", "chongqing", "2022-12-31",
         {"kind": "device_registration", "date": "2022-06-01", "device_class": 3},
         allow={"device_class": {3}}),
    # 10．通过 FDA、EMA、CE、PMDA 或 WHO 等国际机构注册，并在相关国外市场实现销售
    case("cq-10-overseas", "chongqing", "2022-12-31",
         {"kind": "international_approval", "date": "2022-06-01", "agency": "CE",
          "overseas_sales": True},
         allow={"agency": {"FDA", "EMA", "CE", "PMDA", "WHO"}}, need={"overseas_sales": True}),
    # 12．核心技术攻关、关键专业化生产服务平台建设及重大产品产业化项目
    case("cq-12-manufacturing", "chongqing", "2022-12-31",
         {"kind": "fixed_asset_investment", "date": "2022-06-01", "purpose": "industrialisation",
          "amount": 100},
         allow={"purpose": {"core_technology", "production_service_platform", "industrialisation"}}),
    # 12．列入本市"揭榜挂帅"清单的重大项目
    case("cq-12-jiebang", "chongqing", "2022-12-31",
         {"kind": "major_project_listed", "date": "2022-06-01", "list": "chongqing_jiebang_guashuai"},
         allow={"list": {"chongqing_jiebang_guashuai"}}),
    # 13．对承接非关联企事业单位 CDMO/CMO业务的生产企业…给予受托企业…奖励: the contractor, a firm
    case("cq-13-cdmo", "chongqing", "2022-12-31",
         {"kind": "cdmo_revenue", "date": "2022-06-01", "amount": 2000},
         allow={"legal_form": {"enterprise"}}),
    # 15．加大对挂牌、上市的生物医药企业的奖补力度: listed firms
    case("cq-15-ipo", "chongqing", "2022-12-31",
         {"kind": "ipo", "date": "2022-06-01"},
         allow={"legal_form": {"enterprise"}}),
    # ---- 004 苏州市生物医药产业创新集群建设实施方案 (2022-05-19) -------------------------------
    # 10. 对参加国家集中带量采购中标的企业给予奖励
    case("szc-10-procurement-winner", "suzhou", "2022-12-31",
         {"kind": "volume_procurement_won", "date": "2022-06-01", "level": "national"},
         allow={"level": {"national"}, "legal_form": {"enterprise"}}),
    # 30. 对符合条件的上市(挂牌)企业给予支持
    case("szc-30-listing-support", "suzhou", "2022-12-31",
         {"kind": "ipo", "date": "2022-06-01"},
         allow={"legal_form": {"enterprise"}}),
    case("szc-20-national-projects", "suzhou", "2022-12-31",
         {"kind": "major_project_funding", "date": "2022-06-01", "level": "national"},
         allow={"level": {"national"}}),
    case("szc-21-top3-generic", "suzhou", "2022-12-31",
         {"kind": "consistency_evaluation", "date": "2022-06-01", "nationwide_rank": 3},
         most={"nationwide_rank": 3}),
    # 11.大力引进国内外顶尖人才(团队),"一事一议"
    case("szc-11-top-talent", "suzhou", "2022-12-31",
         {"kind": "talent", "date": "2022-06-01", "type": "top"}, allow={"type": {"top"}}),
    # 23.对取得GCP资质的医疗机构及其认定科室按认定专业数给予支持
    case("szc-23-gcp-specialties", "suzhou", "2022-12-31",
         {"kind": "certification", "date": "2022-06-01", "scheme": "GCP"},
         applicant={"legal_form": "medical_institution"},
         allow={"scheme": {"GCP"}, "legal_form": {"medical_institution"}}),
    # 23.对已取得GCP资质的医疗机构联合在苏企业开展医工协同创新的给予支持
    case("szc-23-hospital-industry", "suzhou", "2022-12-31",
         {"kind": "clinical_engineering_collaboration", "date": "2022-06-01",
          "gcp_qualified": True, "partner_local": True},
         applicant={"legal_form": "medical_institution"},
         allow={"legal_form": {"medical_institution"}},
         need={"gcp_qualified": True, "partner_local": True}),
    # 10.推进采购使用创新名优产品奖励制度，引导和支持本地医疗机构采购使用 (a hospital buying a listed product)
    case("szc-10-notable-product-buyers", "suzhou", "2022-12-31",
         {"kind": "local_product_purchase", "date": "2022-06-01", "notable_list": True},
         applicant={"legal_form": "medical_institution"}, need={"notable_list": True}),
    # 21.对在国内开展并在本市转化的一类创新药、二类改良型新药，按临床试验Ⅰ、Ⅱ、Ⅲ期不同阶段给予支持
    case("szc-21-drug-phases", "suzhou", "2022-12-31",
         {"kind": "clinical_phase_entered", "date": "2022-06-01", "phase": 2,
          "product_type": "innovative_drug", "drug_class": 1, "domestic": True,
          "converted_locally": True},
         allow={"drug_class": {1, 2}}, need={"domestic": True, "converted_locally": True}),
    case("szc-21-drug-phases-completed", "suzhou", "2022-12-31",
         {"kind": "clinical_phase_completed", "date": "2022-06-01", "phase": 2,
          "product_type": "innovative_drug", "drug_class": 1, "domestic": True,
          "converted_locally": True},
         allow={"drug_class": {1, 2}}, need={"domestic": True, "converted_locally": True}),
    # 21.对获批二、三类医疗器械注册产品证且具有自主知识产权的产品给予支持
    case("szc-21-device-registration", "suzhou", "2022-12-31",
         {"kind": "device_registration", "date": "2022-06-01", "device_class": 2,
          "independent_ip": True},
         allow={"device_class": {2, 3}}, need={"independent_ip": True}),
    # 21.对进入国家创新医疗器械特别审查程序且在苏州转化的产品给予支持
    case("szc-21-innovative-device", "suzhou", "2022-12-31",
         {"kind": "innovative_device_review", "date": "2022-06-01", "level": "national",
          "converted_locally": True},
         allow={"level": {"national"}}, need={"converted_locally": True}),
    # 22.对经市级以上认定的(首台套)产品给予奖励上浮支持
    case("szc-22-first-set-uplift", "suzhou", "2022-12-31",
         {"kind": "first_set_device", "date": "2022-06-01", "recognised_level": "city"},
         allow={"recognised_level": {"national", "provincial", "city"}}),
    # 22.积极争取省级软件首版次认定并给予支持
    case("szc-22-first-version-software", "suzhou", "2022-12-31",
         {"kind": "first_version_software", "date": "2022-06-01", "recognised_level": "provincial"},
         allow={"recognised_level": {"provincial"}}),
    # 22.上述"三首"产品…对采购企事业单位给予支持
    case("szc-22-three-firsts-buyers", "suzhou", "2022-12-31",
         {"kind": "local_product_purchase", "date": "2022-06-01", "three_firsts": True},
         need={"three_firsts": True}),
    # ---- 004 江苏省 若干政策措施 (2021-11-01 to 2024-12-31) ------------------------------------
    # 2﹒国家生物药技术创新中心
    case("js-02-biologics-centre", "jiangsu", "2022-06-30",
         {"kind": "national_platform_task", "date": "2022-03-01",
          "type": "technology_innovation_centre", "biologics_centre": True},
         allow={"type": {"technology_innovation_centre"}}, need={"biologics_centre": True}),
    # 3.获批列入国家科技创新基地序列的 (national key laboratories, technology innovation centres)
    case("js-03-national-base", "jiangsu", "2022-06-30",
         {"kind": "national_platform_task", "date": "2022-03-01", "type": "key_laboratory"},
         allow={"type": {"key_laboratory", "technology_innovation_centre"}}),
    # 5.在我省境内注册的独立法人企业完成Ⅱ期临床研究并已启动Ⅲ期临床试验的创新药物
    case("js-05-phase2-next", "jiangsu", "2022-06-30",
         {"kind": "clinical_phase_completed", "date": "2022-03-01", "phase": 2,
          "product_type": "innovative_drug", "drug_class": 1, "next_phase_entered": True},
         allow={"phase": {2}, "legal_form": {"enterprise"}},
         need={"next_phase_entered": True, "independent_legal_person": True}),
    # 5.已完成样机(样品)检验的医疗器械(需经临床的已启动研究)
    case("js-05-device-prototype", "jiangsu", "2022-06-30",
         {"kind": "device_prototype_inspected", "date": "2022-03-01", "clinical_started": True},
         allow={"legal_form": {"enterprise"}},
         need={"clinical_started": True, "independent_legal_person": True}),
    # 5.已完成Ⅰ期、Ⅱ期、Ⅲ期临床试验…的创新药(1类)
    case("js-05-innov-phase", "jiangsu", "2022-06-30",
         {"kind": "clinical_phase_completed", "date": "2022-03-01", "phase": 1,
          "product_type": "innovative_drug", "drug_class": 1},
         allow={"phase": {1, 2, 3}, "drug_class": {1}}),
    # 5.由我省注册申请人获得许可并在我省生产的创新药(1类)
    case("js-05-innov-approval", "jiangsu", "2022-06-30",
         {"kind": "drug_approval", "date": "2022-03-01", "approval_kind": "innovative",
          "drug_class": 1, "registrant_in_region": True, "produced_in_region": True},
         allow={"approval_kind": {"innovative"}, "drug_class": {1}},
         need={"registrant_in_region": True, "produced_in_region": True}),
    # 5.已完成Ⅱ期、Ⅲ期临床试验…的改良型新药(2类)
    case("js-05-improved-phase", "jiangsu", "2022-06-30",
         {"kind": "clinical_phase_completed", "date": "2022-03-01", "phase": 3,
          "product_type": "improved_drug", "drug_class": 2},
         allow={"phase": {2, 3}, "drug_class": {2}}),
    case("js-05-improved-approval", "jiangsu", "2022-06-30",
         {"kind": "drug_approval", "date": "2022-03-01", "approval_kind": "improved",
          "drug_class": 2, "registrant_in_region": True, "produced_in_region": True},
         allow={"approval_kind": {"improved"}, "drug_class": {2}},
         need={"registrant_in_region": True, "produced_in_region": True}),
    # 5.进入国家和我省创新医疗器械特别审查程序
    case("js-05-device-review", "jiangsu", "2022-06-30",
         {"kind": "innovative_device_review", "date": "2022-03-01", "level": "provincial"},
         allow={"level": {"national", "provincial"}}),
    # 5.进入上述程序、首次取得医疗器械注册证书(第三类)且在我省生产
    case("js-05-device-class3", "jiangsu", "2022-06-30",
         {"kind": "device_registration", "date": "2022-03-01", "device_class": 3,
          "first_class3_certificate": True, "innovative_review": True, "produced_in_region": True},
         allow={"device_class": {3}},
         need={"first_class3_certificate": True, "innovative_review": True,
               "produced_in_region": True}),
    # 13.支持企业…实施技术改造; 支持生物医药企业…工程化阶段…攻关
    case("js-13-transform", "jiangsu", "2022-06-30",
         {"kind": "technical_transformation", "date": "2022-03-01", "scope": "transformation"},
         allow={"scope": {"transformation"}, "legal_form": {"enterprise"}}),
    case("js-13-engineering", "jiangsu", "2022-06-30",
         {"kind": "technical_transformation", "date": "2022-03-01", "scope": "engineering"},
         allow={"scope": {"engineering"}, "legal_form": {"enterprise"}}),
    case("js-13-major-project", "jiangsu", "2022-06-30",
         {"kind": "major_project_listed", "date": "2022-03-01", "list": "jiangsu_major_project"},
         allow={"list": {"jiangsu_major_project"}}),
    # 21.引进世界一流顶尖人才和团队; 22.认定为省"双创博士"
    case("js-21-top-talent", "jiangsu", "2022-06-30",
         {"kind": "talent", "date": "2022-03-01", "type": "top"}, allow={"type": {"top"}}),
    case("js-22-doctoral", "jiangsu", "2022-06-30",
         {"kind": "talent", "date": "2022-03-01", "type": "doctoral", "count": 1},
         allow={"type": {"doctoral"}}),
    # 27.对高价值专利培育成效明显的中心给予奖励
    case("js-27-patent-centre", "jiangsu", "2022-06-30",
         {"kind": "patent_cultivation_centre", "date": "2022-03-01", "marked_results": True},
         need={"marked_results": True}),
    # 28.支持企业间整合优势资源、兼并重组 (并购企业)
    case("js-28-acquisition", "jiangsu", "2022-06-30",
         {"kind": "acquisition", "date": "2022-03-01", "cash_paid": 1000},
         allow={"legal_form": {"enterprise"}}),
    # 28.人体临床试验责任保险、产品责任保险
    case("js-28-insurance", "jiangsu", "2022-06-30",
         {"kind": "insurance_premium", "date": "2022-03-01", "policy_type": "product_liability",
          "premium": 10},
         allow={"policy_type": {"clinical_trial_liability", "product_liability"}}),
    # ---- 004 苏州市 若干措施 (2019-04-15 to 2022-04-14; projects from 2019-01-01) -------------
    # 第六条 获得重大新药创制国家、省级科技重大专项的项目
    case("sz-06-major-project", "suzhou", "2020-06-30",
         {"kind": "major_project_funding", "date": "2020-03-01", "level": "provincial",
          "programme": "new_drug_major_project", "project_funds": 100},
         applicant=SUZHOU_FIRM,
         allow={"level": {"national", "provincial"}, "programme": {"new_drug_major_project"}}),
    # 第六条 开展临床试验并在我市转化、符合本文件第三条范围内的新药 (第三条: 化学药、抗体药物…基因工程
    # 药物…新型疫苗、临床优势突出的创新中药及个性化治疗药物)
    case("sz-06-phase-entered", "suzhou", "2020-06-30",
         {"kind": "clinical_phase_entered", "date": "2020-03-01", "phase": 1,
          "product_type": "innovative_drug", "converted_locally": True},
         applicant=SUZHOU_FIRM, need={"converted_locally": True},
         allow={"phase": {1, 2, 3},
                "product_type": {"innovative_drug", "improved_drug", "vaccine", "tcm",
                                 "cell_biologic"}}),
    case("sz-06-phase-completed", "suzhou", "2020-06-30",
         {"kind": "clinical_phase_completed", "date": "2020-03-01", "phase": 3,
          "product_type": "improved_drug", "converted_locally": True, "rd_spend": 100},
         applicant=SUZHOU_FIRM, need={"converted_locally": True},
         allow={"phase": {1, 2, 3},
                "product_type": {"innovative_drug", "improved_drug", "vaccine", "tcm",
                                 "cell_biologic"}}),
    # 第七条 第三类; 符合第三条所列范围…的第二类
    case("sz-07-class3", "suzhou", "2020-06-30",
         {"kind": "device_registration", "date": "2020-03-01", "device_class": 3, "rd_spend": 100},
         applicant=SUZHOU_FIRM, allow={"device_class": {3}}),
    case("sz-07-class2", "suzhou", "2020-06-30",
         {"kind": "device_registration", "date": "2020-03-01", "device_class": 2, "rd_spend": 100,
          "in_priority_scope": True},
         applicant=SUZHOU_FIRM, allow={"device_class": {2}}, need={"in_priority_scope": True}),
    # 第八条 在全国同类仿制药中首个通过一致性评价
    case("sz-08-first-generic", "suzhou", "2020-06-30",
         {"kind": "consistency_evaluation", "date": "2020-03-01", "nationwide_rank": 1,
          "rd_spend": 100},
         applicant=SUZHOU_FIRM, most={"nationwide_rank": 1}),
    # 第十一条 首次取得GLP…; 取得GCP…每新增1个专业学科; 首次取得CNAS; 首次获得AAALAC、WHO…
    case("sz-11-glp", "suzhou", "2020-06-30",
         {"kind": "certification", "date": "2020-03-01", "scheme": "GLP", "first_time": True,
          "glp_items": 3},
         applicant=SUZHOU_FIRM, allow={"scheme": {"GLP"}}, need={"first_time": True}),
    case("sz-11-gcp", "suzhou", "2020-06-30",
         {"kind": "certification", "date": "2020-03-01", "scheme": "GCP",
          "gcp_new_specialties": 1},
         applicant=SUZHOU_FIRM, allow={"scheme": {"GCP"}}),
    case("sz-11-cnas", "suzhou", "2020-06-30",
         {"kind": "certification", "date": "2020-03-01", "scheme": "CNAS", "first_time": True,
          "equipment_spend": 100},
         applicant=SUZHOU_FIRM, allow={"scheme": {"CNAS"}}, need={"first_time": True}),
    case("sz-11-intl-cert", "suzhou", "2020-06-30",
         {"kind": "certification", "date": "2020-03-01", "scheme": "FERCAP", "first_time": True,
          "fee_spend": 100},
         applicant=SUZHOU_FIRM, allow={"scheme": {"AAALAC", "WHO", "FERCAP", "AAHRPP"}},
         need={"first_time": True}),
    # 第十三条 在本市取得药品注册批件且在苏州大市范围内实施产业化; 第二、三类医疗器械注册证
    case("sz-13-drug-industrialisation", "suzhou", "2020-06-30",
         {"kind": "industrialisation_project", "date": "2020-03-01", "product_type": "drug",
          "approval_local": True, "total_investment": 20000, "actual_investment": 20000},
         applicant=SUZHOU_FIRM, need={"approval_local": True}),
    case("sz-13-device-industrialisation", "suzhou", "2020-06-30",
         {"kind": "industrialisation_project", "date": "2020-03-01", "product_type": "device",
          "device_class": 2, "approval_local": True, "total_investment": 6000,
          "actual_investment": 6000},
         applicant=SUZHOU_FIRM, allow={"device_class": {2, 3}}, need={"approval_local": True}),
    # 第十四条 运用工业互联网、大数据、人工智能等技术…进行技术改造
    case("sz-14-digital-transformation", "suzhou", "2020-06-30",
         {"kind": "technical_transformation", "date": "2020-03-01", "scope": "transformation",
          "digital": True, "investment": 100},
         applicant=SUZHOU_FIRM, allow={"scope": {"transformation"}}, need={"digital": True}),
    # 第十五条 委托本市生物医药企业(与本研发服务机构无投资关系): 委托方; 承担委托生产任务的企业
    case("sz-15-entrusting", "suzhou", "2020-06-30",
         {"kind": "contract_manufacturing", "date": "2020-03-01", "role": "entrusting_holder",
          "partner_local": True, "related_party": False, "transaction_fee": 100},
         applicant=SUZHOU_FIRM, allow={"role": {"entrusting_holder"}},
         need={"partner_local": True, "related_party": False}),
    case("sz-15-manufacturer", "suzhou", "2020-06-30",
         {"kind": "contract_manufacturing", "date": "2020-03-01", "role": "manufacturer",
          "partner_local": True, "transaction_fee": 100},
         applicant=SUZHOU_FIRM, allow={"role": {"manufacturer"}}, need={"partner_local": True}),
    # 第十六条 经江苏省级及以上认定的高端医疗器械首台(套)
    case("sz-16-first-set", "suzhou", "2020-06-30",
         {"kind": "first_set_device", "date": "2020-03-01", "recognised_level": "provincial",
          "unit_price": 100},
         applicant=SUZHOU_FIRM, allow={"recognised_level": {"provincial", "national"}}),
    # 第十七条 FDA、EMA、PMDA等机构批准获得境外上市资质
    case("sz-17-overseas-approval", "suzhou", "2020-06-30",
         {"kind": "international_approval", "date": "2020-03-01", "agency": "PMDA",
          "marketing_approval": True},
         applicant=SUZHOU_FIRM, allow={"agency": {"FDA", "EMA", "PMDA", "other"}},
         need={"marketing_approval": True}),
    # 第十八条 中国科学院、中国工程院、中国医学科学院、国家级重点高等院校，以及…海外高校院所
    case("sz-18-innovation-institutions", "suzhou", "2020-06-30",
         {"kind": "innovation_institution_project", "date": "2020-03-01", "founder": "cas"},
         applicant=SUZHOU_FIRM,
         allow={"founder": {"cas", "cae", "cams", "national_key_university",
                            "overseas_world_class"}}),
    # 第十九条 世界500强、中国医药工业百强或境内外上市…地区总部且持续经营1年及以上…产值不低于15亿元
    case("sz-19-regional-hq", "suzhou", "2020-06-30",
         {"kind": "regional_headquarters", "date": "2020-03-01", "years_operating": 1,
          "output_value": 150000, "paid_in_capital": 1000},
         applicant={**SUZHOU_FIRM, "listed": True}, need={"listed": True},
         least={"years_operating": 1, "output_value": 150000}),
    case("sz-19-regional-hq", "suzhou", "2020-06-30",
         {"kind": "regional_headquarters", "date": "2020-03-01", "years_operating": 2,
          "output_value": 200000, "paid_in_capital": 1000},
         applicant={**SUZHOU_FIRM, "fortune_global_500": True}, need={"fortune_global_500": True}),
    case("sz-19-regional-hq", "suzhou", "2020-06-30",
         {"kind": "regional_headquarters", "date": "2020-03-01", "years_operating": 2,
          "output_value": 200000, "paid_in_capital": 1000},
         applicant={**SUZHOU_FIRM, "china_pharma_top100": True},
         need={"china_pharma_top100": True}),
    # 第十九条 其中在我市设立具有独立法人资格研发中心的 (an HQ of a Fortune 500, top-100 or listed firm)
    case("sz-19-rd-centre", "suzhou", "2020-06-30",
         {"kind": "regional_rd_centre", "date": "2020-03-01", "prior_year_rd_spend": 100},
         applicant={**SUZHOU_FIRM, "listed": True}, need={"listed": True}),
    case("sz-19-rd-centre", "suzhou", "2020-06-30",
         {"kind": "regional_rd_centre", "date": "2020-03-01", "prior_year_rd_spend": 100},
         applicant={**SUZHOU_FIRM, "fortune_global_500": True}, need={"fortune_global_500": True}),
    case("sz-19-rd-centre", "suzhou", "2020-06-30",
         {"kind": "regional_rd_centre", "date": "2020-03-01", "prior_year_rd_spend": 100},
         applicant={**SUZHOU_FIRM, "china_pharma_top100": True},
         need={"china_pharma_top100": True}),
    # 第二十条 顶尖人才、领军人才、紧缺人才; 引进创新领军人才的企业
    case("sz-20-top-talent", "suzhou", "2020-06-30",
         {"kind": "talent", "date": "2020-03-01", "type": "top"},
         applicant=SUZHOU_FIRM, allow={"type": {"top"}}),
    case("sz-20-leading-project", "suzhou", "2020-06-30",
         {"kind": "talent", "date": "2020-03-01", "type": "leading"},
         applicant=SUZHOU_FIRM, allow={"type": {"leading"}}),
    case("sz-20-leading-housing", "suzhou", "2020-06-30",
         {"kind": "talent", "date": "2020-03-01", "type": "leading"},
         applicant=SUZHOU_FIRM, allow={"type": {"leading"}}),
    case("sz-20-top-housing", "suzhou", "2020-06-30",
         {"kind": "talent", "date": "2020-03-01", "type": "top"},
         applicant=SUZHOU_FIRM, allow={"type": {"top"}}),
    case("sz-20-top-contribution", "suzhou", "2020-06-30",
         {"kind": "talent", "date": "2020-03-01", "type": "top"},
         applicant=SUZHOU_FIRM, allow={"type": {"top"}}),
    case("sz-20-shortage", "suzhou", "2020-06-30",
         {"kind": "talent", "date": "2020-03-01", "type": "shortage", "count": 1},
         applicant=SUZHOU_FIRM, allow={"type": {"shortage"}}),
    case("sz-20-innovative-leading", "suzhou", "2020-06-30",
         {"kind": "talent", "date": "2020-03-01", "type": "innovative_leading"},
         applicant=SUZHOU_FIRM, allow={"type": {"innovative_leading"}}),
    # 第二十条 对生物医药企业通过中介机构猎头引进产业领军人才的: a firm's commission
    case("sz-20-headhunter", "suzhou", "2020-06-30",
         {"kind": "headhunter_fee", "date": "2020-03-01", "fee": 50},
         applicant=SUZHOU_FIRM, allow={"legal_form": {"enterprise"}}),
    # 第二十二条 对在资本市场实现IPO的生物医药类企业: firms
    case("sz-22-ipo", "suzhou", "2020-06-30",
         {"kind": "ipo", "date": "2020-03-01"},
         applicant=SUZHOU_FIRM, allow={"legal_form": {"enterprise"}}),
    # 第二十二条 人体临床试验责任保险、产品责任保险 (as the data reads 第二十二条)
    case("sz-22-insurance", "suzhou", "2020-06-30",
         {"kind": "insurance_premium", "date": "2020-03-01", "policy_type": "product_liability",
          "premium": 10},
         applicant=SUZHOU_FIRM,
         allow={"policy_type": {"clinical_trial_liability", "product_liability"}}),
    # 第二十三条 在生物医药产业重点区域新建的…公共服务平台
    case("sz-23-new-platform", "suzhou", "2020-06-30",
         {"kind": "public_platform_investment", "date": "2020-03-01", "total_investment": 100,
          "in_key_area": True},
         applicant=SUZHOU_FIRM, need={"in_key_area": True}),
    # 第二十四条 国家级、省级、苏州市级; 自联盟成立之日起连续3年
    case("sz-24-innovation-centre", "suzhou", "2020-06-30",
         {"kind": "innovation_centre", "date": "2020-03-01", "level": "city"},
         applicant=SUZHOU_FIRM, allow={"level": {"national", "provincial", "city"}}),
    case("sz-24-alliance", "suzhou", "2020-06-30",
         {"kind": "industry_alliance_activity", "date": "2020-03-01", "alliance_year": 3},
         applicant=SUZHOU_FIRM, most={"alliance_year": 3}),
]


def _matches(ruleset, c: dict, fact: dict, applicant: dict) -> bool:
    profile = make_profile(ruleset, c["region"], fact, **applicant)
    result = estimate(ruleset, profile, dt.date.fromisoformat(c["as_of"]))
    if any(a.measure.id == c["measure"] for a in result.awards):
        return True
    # Paid instead of another (就高不重复) still means the conditions held.
    return any(x.measure.id == c["measure"] and x.stage == "stacking" for x in result.excluded)


def _applicant_field(ruleset, kind: str, field: str) -> bool:
    return field not in ruleset.vocabulary.kinds[kind].fields and field in (
        ruleset.vocabulary.applicant
    )


def _values(ruleset, kind: str, field: str) -> tuple:
    if field in LEGACY:  # the old form on a fact: its own values, read onto the product
        return LEGACY[field]
    spec = ruleset.vocabulary.kinds[kind].fields.get(field) or ruleset.vocabulary.applicant[field]
    return tuple(spec.values or ())


def _variants(ruleset):
    """(id, case, fact, applicant, expected) for every value the cases name."""
    for c in CASES:
        kind = c["fact"]["kind"]
        base_app = dict(c.get("applicant", {}))
        label = f"{c['measure']}[{c['fact']['date']}]"

        def put(field, value, c=c, kind=kind, base_app=base_app):
            fact, app = dict(c["fact"]), dict(base_app)
            (app if _applicant_field(ruleset, kind, field) else fact)[field] = value
            return fact, app

        yield f"{label}:as-read", c, c["fact"], base_app, True
        for field, allowed in c.get("allow", {}).items():
            for value in _values(ruleset, kind, field):
                expected = value in allowed
                if not expected and field in NO_NEGATIVES:
                    continue
                yield (f"{label}:{field}={value}", c, *put(field, value), expected)
            for value in set(allowed) - set(_values(ruleset, kind, field)):
                yield (f"{label}:{field}={value}", c, *put(field, value), True)
        for field, value in c.get("need", {}).items():
            yield f"{label}:{field}={not value}", c, *put(field, not value), False
        for field, bound in c.get("least", {}).items():
            yield f"{label}:{field}={bound}", c, *put(field, bound), True
            below = bound - (1 if isinstance(bound, int) else Decimal("0.01"))
            yield f"{label}:{field}={below}", c, *put(field, below), False
        for field, bound in c.get("above", {}).items():
            yield f"{label}:{field}={bound}", c, *put(field, bound), False
            over = bound + Decimal("0.01")
            yield f"{label}:{field}={over}", c, *put(field, over), True
        for field, bound in c.get("most", {}).items():
            yield f"{label}:{field}={bound}", c, *put(field, bound), True
            yield f"{label}:{field}={bound + 1}", c, *put(field, bound + 1), False


def test_every_condition_the_texts_state(ruleset):
    wrong = [
        f"{name}: expected {'a match' if expected else 'no match'}"
        for name, c, fact, app, expected in _variants(ruleset)
        if _matches(ruleset, c, fact, app) != expected
    ]
    assert not wrong, "conditions that differ from the text:\n" + "\n".join(wrong)


@pytest.mark.parametrize("c", CASES, ids=lambda c: c["measure"])
def test_each_case_names_a_measure_of_its_region(ruleset, c):
    measure = ruleset.measures[c["measure"]]
    assert ruleset.documents[measure.document_id].region in ruleset.chain(c["region"])


ALL_FORMS = {"enterprise", "medical_institution", "research_institute", "university",
             "public_institution", "social_organisation", "private_non_enterprise"}
# Who a document is open to, read from its scope clause: (measure, region, as_of, a fact of a measure
# that names no legal form itself, the applicant, legal forms admitted, flags it requires).
ELIGIBILITY = [
    # 昆明 附则: 适用于工商注册和税务登记均在昆明…的企事业单位、社会团体或民办非企业；
    # 严重的司法及行政负面记录…除外；发生重大安全生产事故、欠薪行为或违反环保法律法规…停止享受
    ("km-07-patent", "kunming", "2021-06-30",
     {"kind": "invention_patent", "date": "2021-03-01", "first_applicant": True, "count": 1},
     {}, ALL_FORMS,
     {"serious_credit_record": False, "safety_accident": False, "wage_arrears": False,
      "environmental_violation": False}),
    # 南山 四、涉及范围: 在南山区注册、具备独立法人资格的从事药品、医疗器械及相关领域研发、生产和
    # 服务的企事业单位、社会团体、民办非企业等单位
    ("ns-10-science-event", "nanshan", "2022-06-30",
     {"kind": "science_event", "date": "2022-03-01", "approving_level": "city"},
     {}, ALL_FORMS, {"independent_legal_person": True, "biomedicine_business": True}),
    # 苏州 第一条: 在苏州大市范围内进行登记注册，具备独立法人资格，从事生物医药研发、生产和服务的
    # 在库企业，以及其他事业单位、社会团体、民办非企业等机构
    ("sz-11-gcp", "suzhou", "2020-06-30",
     {"kind": "certification", "date": "2020-03-01", "scheme": "GCP", "gcp_new_specialties": 1},
     SUZHOU_FIRM, ALL_FORMS,
     {"independent_legal_person": True, "biomedicine_business": True,
      "in_enterprise_database": True}),
]


def _eligible(ruleset, measure, region, as_of, fact, applicant) -> bool:
    profile = make_profile(ruleset, region, fact, **applicant)
    result = estimate(ruleset, profile, dt.date.fromisoformat(as_of))
    return any(a.measure.id == measure for a in result.awards)


@pytest.mark.parametrize(("measure", "region", "as_of", "fact", "applicant", "forms", "flags"),
                         ELIGIBILITY, ids=[e[1] for e in ELIGIBILITY])
def test_who_each_document_is_open_to(ruleset, measure, region, as_of, fact, applicant, forms,
                                      flags):
    where = (measure, region, as_of, fact)
    wrong = []
    for form in ruleset.vocabulary.applicant["legal_form"].values:
        if _eligible(ruleset, *where, {**applicant, "legal_form": form}) != (form in forms):
            wrong.append(f"legal_form={form}")
    for flag, value in flags.items():
        if not _eligible(ruleset, *where, {**applicant, flag: value}):
            wrong.append(f"{flag}={value} should be eligible")
        if _eligible(ruleset, *where, {**applicant, flag: not value}):
            wrong.append(f"{flag}={not value} should not be eligible")
    assert not wrong, wrong


def test_kunming_wants_tax_registration_there_too(ruleset):
    # 昆明 附则: 工商注册和税务登记均在昆明行政区域范围内
    fact = {"kind": "invention_patent", "date": "2021-03-01", "first_applicant": True, "count": 1}
    where = ("km-07-patent", "kunming", "2021-06-30", fact)
    assert _eligible(ruleset, *where, {"tax_region": "kunming"})
    assert not _eligible(ruleset, *where, {"tax_region": "suzhou"})
