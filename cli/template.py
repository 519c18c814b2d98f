"""`init`: a commented template profile, in TOML (through tomli-w) or YAML."""

from __future__ import annotations

import datetime as dt
from typing import Any

import tomli_w
import yaml

from .model import Ruleset

PRODUCTS = [
    {
        "id": "ABC-101",
        "name": "示例抗体 ABC-101",
        "modality": "biologic",
        "novelty": "innovative",
        "drug_class": 1,
    }
]


def _example(region: str) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    applicant: dict[str, Any] = {
        "name": "示例生物科技有限公司",
        "id": "client-001",
        "region": region,
        "tax_region": region,
        "legal_form": "enterprise",
        "independent_legal_person": True,
        "biomedicine_business": True,
        "serious_credit_record": False,
    }
    facts = [
        (
            "Phase II completed and Phase III entered: R&D spend of the stage in 万元",
            {
                "kind": "clinical_phase_completed",
                "date": dt.date(2022, 6, 30),
                "product": "ABC-101",
                "phase": 2,
                "rd_spend": 2500,
                "next_phase_entered": True,
            },
        ),
        (
            "Phase III entered",
            {
                "kind": "clinical_phase_entered",
                "date": dt.date(2022, 9, 1),
                "product": "ABC-101",
                "phase": 3,
                "rd_spend": 1800,
            },
        ),
        (
            "Renovation invoices on moving into the local park",
            {"kind": "renovation", "date": dt.date(2021, 3, 15), "invoice_amount": 1000},
        ),
    ]
    return applicant, facts


def _kinds_comment(ruleset: Ruleset) -> list[str]:
    lines = ["Fact kinds (`policycalc facts KIND` lists each kind's fields):"]
    for kind in ruleset.vocabulary.kinds.values():
        lines.append(f"  {kind.id}: {kind.label.en}")
    return lines


def template(ruleset: Ruleset, fmt: str, region: str) -> str:
    applicant, facts = _example(region)
    chain = ruleset.chain(region)
    if any(
        d.eligibility.in_enterprise_database and d.region in chain
        for d in ruleset.documents.values()
    ):
        applicant["in_enterprise_database"] = True
    head = [
        "policycalc profile: who applies (applicant) and what happened (facts).",
        "Amounts are in 万元 (10,000 yuan). Dates are YYYY-MM-DD or a year.",
        f"Regions: {', '.join(ruleset.regions)}.",
        "legal_form: "
        + ", ".join(map(str, ruleset.vocabulary.applicant["legal_form"].values or ())),
        "independent_legal_person, biomedicine_business, in_enterprise_database (Suzhou 在库企业):",
        "  say yes or no; left out, a document that requires one pays only 'possible' (from 0).",
        "products: each product once (id and what the texts ask of it); facts name it by id.",
    ]
    for name, spec in ruleset.vocabulary.products.items():
        values = f": {', '.join(map(str, spec.values))}" if spec.values else ""
        if spec.type == "bool":
            values = ": true, false"
        head.append(f"  {name}{values}")
    head.append(
        "  a device's device_class and independent_ip are said here once; its facts take them."
    )
    kinds = _kinds_comment(ruleset)
    if fmt == "toml":
        out = [f"# {line}" for line in head] + [""]
        out.append(tomli_w.dumps({"applicant": applicant}).rstrip())
        for product in PRODUCTS:
            out += ["", "[[products]]", tomli_w.dumps(product).rstrip()]
        for comment, fact in facts:
            # One [[facts]] table each (tomli-w would inline a short array of tables).
            out += ["", f"# {comment}", "[[facts]]", tomli_w.dumps(fact).rstrip()]
        out += [""] + [f"# {line}" for line in kinds]
        return "\n".join(out) + "\n"
    out = [f"# {line}" for line in head]
    out.append(
        yaml.safe_dump({"applicant": applicant}, allow_unicode=True, sort_keys=False).rstrip()
    )
    out.append(yaml.safe_dump({"products": PRODUCTS}, allow_unicode=True, sort_keys=False).rstrip())
    out.append("facts:")
    for comment, fact in facts:
        out.append(f"  # {comment}")
        body = yaml.safe_dump([fact], allow_unicode=True, sort_keys=False).rstrip()
        out.append("\n".join("  " + line for line in body.splitlines()))
    out += [f"# {line}" for line in kinds]
    return "\n".join(out) + "\n"
