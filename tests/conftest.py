"""Shared fixtures: the bundled ruleset (loaded once) and helpers to build profiles."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from policycalc.model import Ruleset
from policycalc.profile import build_profile
from policycalc.rulesets import load_ruleset

ROOT = Path(__file__).resolve().parent.parent

# Property suites: a fixed seed and a fixed number of cases in CI; more with
# HYPOTHESIS_PROFILE=thorough for a local soak.
settings.register_profile(
    "ci", max_examples=200, derandomize=True, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_ruleset()


def make_profile(ruleset: Ruleset, region: str, *facts: dict[str, Any], **applicant: Any):
    # An enterprise unless the test says otherwise (the profile itself has no default: a
    # measure limited to enterprises is only possible for an applicant of unknown form).
    # A normal one: an independent legal person working in biomedicine, as its profile would
    # state (unstated, a document that requires it pays only "possible", from 0). A keyword
    # given as None leaves the field out.
    applicant.setdefault("legal_form", "enterprise")
    applicant.setdefault("independent_legal_person", True)
    applicant.setdefault("biomedicine_business", True)
    applicant = {k: v for k, v in applicant.items() if v is not None}
    data = {"applicant": {"region": region, **applicant}, "facts": list(facts)}
    return build_profile(data, ruleset, "<test>")


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
