"""Machine formats written straight to a stream: json, jsonl, csv, yaml, toml. Never rich."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO


def write_json(data: Any, out: TextIO) -> None:
    json.dump(data, out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")


def write_yaml(data: Any, out: TextIO) -> None:
    import yaml

    yaml.safe_dump(data, out, allow_unicode=True, sort_keys=False, width=100)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value if v is not None]
    return value


def write_toml(data: dict[str, Any], out: TextIO) -> None:
    # TOML has no null: an unknown bound is left out (its `kind` says case_by_case).
    import tomli_w

    out.write(tomli_w.dumps(_drop_none(data)))


def flat_value(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(
    rows: Iterable[dict[str, Any]], columns: list[str], out: TextIO, bom: bool = False
) -> None:
    import csv

    if bom:
        out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: flat_value(row.get(k)) for k in columns})


AWARD_COLUMNS = [
    "applicant",
    "region",
    "as_of",
    "ruleset",
    "document",
    "measure",
    "article",
    "title",
    "min",
    "max",
    "kind",
    "recipient",
    "lead",
    "support",
    "fact_index",
    "fact_kind",
    "fact_date",
    "product",
    "notes",
]


def award_rows(est: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """One flat row per award of an estimate's plain data."""
    applicant = est["applicant"]
    who = applicant.get("id") or applicant.get("name") or ""
    for award in est["awards"]:
        fact = award.get("fact") or {}
        yield {
            "applicant": who,
            "region": applicant["region"],
            "as_of": est["as_of"],
            "ruleset": est["ruleset"],
            "document": award["document"],
            "measure": award["measure"],
            "article": award["article"],
            "title": award["title"],
            "min": award["min"],
            "max": award["max"],
            "kind": award["kind"],
            "recipient": award["recipient"],
            "lead": award["departments"]["lead"],
            "support": award["departments"]["support"],
            "fact_index": fact.get("index"),
            "fact_kind": fact.get("kind"),
            "fact_date": fact.get("date"),
            "product": fact.get("product"),
            "notes": award.get("notes", []),
        }
