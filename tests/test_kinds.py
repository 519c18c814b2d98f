"""Kinds that are strings are closed sets (Literal types): the lists the code checks and the
help text are derived from them, and every member has its words."""

from __future__ import annotations

from typing import get_args

from policycalc import loader
from policycalc.formats import INPUT_FORMATS, InputFormat, OutputFormat, spoken
from policycalc.model import CeilingScope, FieldType, StackingRule, Status
from policycalc.money import Amount, AmountKind
from policycalc.render.words import WORDS
from policycalc.results import Stage


def test_the_loaders_lists_are_the_types():
    assert get_args(CeilingScope) == loader.SCOPES
    assert get_args(FieldType) == loader.FIELD_TYPES
    assert get_args(InputFormat) == INPUT_FORMATS


def test_every_scope_status_and_stacking_rule_has_words():
    missing = [f"scope_{s}" for s in get_args(CeilingScope) if f"scope_{s}" not in WORDS]
    missing += [s for s in get_args(Status) if s not in WORDS]
    missing += [f"stack_{r}" for r in get_args(StackingRule) if f"stack_{r}" not in WORDS]
    assert missing == []


def test_every_amount_kind_is_reached_and_described():
    from decimal import Decimal

    samples = [
        Amount.exact(Decimal(5)),
        Amount.up_to(Decimal(5)),
        Amount(Decimal(1), Decimal(5)),
        Amount.unknown(),
        Amount.none(),
    ]
    assert sorted(a.kind for a in samples) == sorted(get_args(AmountKind))
    assert [a.describe("en") for a in samples] == [
        "5", "up to 5", "1–5", "case by case", "no money",
    ]


def test_exclusion_stages_are_a_closed_set():
    assert set(get_args(Stage)) == {
        "validity", "eligibility", "window", "missing", "threshold", "requirement", "stacking",
    }


def test_help_text_is_derived_from_the_formats():
    from policycalc.options import FORMATS_HELP

    assert FORMATS_HELP == "table (default), json, jsonl, csv, yaml, toml or xlsx"
    assert spoken(list(OutputFormat)).split(", ")[0] == "table"
    assert spoken(["a"]) == "a"


def test_report_kinds_are_chosen_in_one_place():
    from policycalc.formats import REPORT_SUFFIXES, ReportKind, report_kind

    assert set(REPORT_SUFFIXES.values()) == set(ReportKind)
    assert report_kind("client.HTM") is ReportKind.html
    assert report_kind("client.svg") is ReportKind.svg
    assert report_kind("client.txt") is None and report_kind(".md") is None
