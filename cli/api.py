"""The public Python API: what `import policycalc` gives a notebook or a pipeline.

Every function takes a profile as a mapping in the documented profile form (docs/
data-format.md) or as a path to a profile file, and returns a result with typed attributes
and `to_dict()`, which is what the command prints with `--format json` for the same input.
Errors are `policycalc.Error` and its kinds (errors.py). Nothing here imports typer or rich.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from . import results
from .errors import ArgumentError, BatchRecordError, Error, InputError, ProfileError
from .model import Lang, Measure, Profile, Ruleset

if TYPE_CHECKING:
    from .opportunities import Opportunities as RegionOpportunities
    from .opportunities import Opportunity
    from .render.opportunities import OpportunityRow
    from .render.rows import AwardRow, SummaryRow

ProfileLike = Mapping[str, Any] | str | os.PathLike[str] | Profile
"""A profile: a mapping in the documented form, a path to a profile file, or a Profile."""


# ------------------------------------------------------------------ the ruleset

_RULESETS: dict[tuple[tuple[str, ...], tuple[str, ...]], Ruleset] = {}


def load_ruleset(
    data_dirs: Sequence[str | os.PathLike[str]] = (),
    extra_data: Sequence[str | os.PathLike[str]] = (),
) -> Ruleset:
    """The policy data: the bundled documents, or those in `data_dirs` instead, with those in
    `extra_data` added. Checked in full (a `PolicyDataError` names file, line and key) and
    cached on disk by the content of its files, as the command caches it.

    The bundled data is loaded once per process; give folders to load them again.
    """
    from pathlib import Path

    from .rulesets import load_ruleset as load

    key = (tuple(map(str, data_dirs)), tuple(map(str, extra_data)))
    if key == ((), ()) and key in _RULESETS:
        return _RULESETS[key]
    ruleset = load([Path(d) for d in data_dirs] or None, [Path(d) for d in extra_data])
    if key == ((), ()):
        _RULESETS[key] = ruleset
    return ruleset


def _ruleset(ruleset: Ruleset | None) -> Ruleset:
    return ruleset if ruleset is not None else load_ruleset()


def _as_of(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ArgumentError(f"'{value}' is not a date (YYYY-MM-DD)", field="as_of")


def read_profile(
    profile: ProfileLike, ruleset: Ruleset | None = None, *, source: str = "<profile>"
) -> Profile:
    """A profile checked against the vocabulary (a `ProfileError` names file, line and
    field): from a mapping (named `source` in errors), a path to a YAML, TOML or JSON file,
    or a Profile as it is."""
    rules = _ruleset(ruleset)
    if type(profile) is dict:
        # The common case, a plain dict (a parsed JSON record): straight to the reader. It is
        # no Profile and no path, and _plain_mapping returns a dict as it is, so the checks
        # below would come to the same call; isinstance against the ABCs is what it skips.
        return _build_profile()(profile, rules, source)
    if isinstance(profile, Profile):
        return profile
    if isinstance(profile, str | os.PathLike):
        from .bundled import resolve
        from .profile import load_profile

        return load_profile(resolve(os.fspath(profile)), rules)
    if isinstance(profile, Mapping):
        from .profile import build_profile

        return build_profile(_plain_mapping(profile), rules, source)
    raise ProfileError(
        f"a profile is a mapping or a path, not {type(profile).__name__}", source=source
    )


_BUILD: Callable[[Any, Ruleset, str], Profile] | None = None


def _build_profile() -> Callable[[Any, Ruleset, str], Profile]:
    """profile.build_profile, imported on first use (`import policycalc` stays light) and
    then kept: an import statement in read_profile costs about a microsecond a record."""
    global _BUILD
    if _BUILD is None:
        from .profile import build_profile

        _BUILD = build_profile
    return _BUILD


def _plain_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping as the dicts and lists the profile reader checks (a dict stays as it is)."""
    if isinstance(data, dict):
        return data
    out = dict(data)
    if isinstance(out.get("applicant"), Mapping):
        out["applicant"] = dict(out["applicant"])
    facts = out.get("facts")
    if isinstance(facts, Sequence) and not isinstance(facts, str):
        out["facts"] = [dict(f) if isinstance(f, Mapping) else f for f in facts]
    return out


# ------------------------------------------------------------------ results


class Estimate(results.Estimate):
    """Every award the applicant can claim as of a date, with what was not counted and why
    (attributes as in results.Estimate: awards, excluded, documents, ceilings, stacks,
    totals, notes, …)."""

    __slots__ = ()

    @property
    def ok(self) -> bool:
        return True

    def to_dict(self, lang: Lang = "zh", *, steps: bool = False, show_all: bool = False) -> Any:
        """What `policycalc estimate PROFILE --format json` prints (`--lang`, `--steps`,
        `--all` as `lang`, `steps`, `show_all`). Steps are recorded by `estimate` (and by
        `estimate_many` only with steps=True)."""
        from .render.data import estimate_data

        return estimate_data(self, lang, steps, show_all)

    def rows(
        self, lang: Lang = "zh", *, line: int | None = None, number: int | None = None
    ) -> list[AwardRow]:
        """One flat row per award, as `estimate --batch` writes them (JSON Lines, CSV)."""
        from .render.rows import award_rows

        return award_rows(self, lang, line, number)

    def summary(self, *, line: int | None = None, number: int | None = None) -> SummaryRow:
        """One row for the applicant, as `estimate --batch --summary` writes it."""
        from .render.rows import summary_row

        return summary_row(self, line, number)


class Rejected(NamedTuple):
    """A profile of `estimate_many` that could not be estimated: its place and why."""

    number: int  # its place among the profiles, from 1
    error: BatchRecordError

    @property
    def ok(self) -> bool:
        return False

    def to_dict(self, lang: Lang = "zh") -> dict[str, Any]:
        e = self.error
        return {
            "number": self.number,
            "error": str(e),
            "message": e.message,
            "source": e.source,
            "line": e.line,
            "field": e.field,
        }


class Comparison(NamedTuple):
    """The same applicant as if registered in each region, in the order asked."""

    estimates: tuple[Estimate, ...]
    as_of: dt.date
    ruleset: str  # the ruleset's version

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(e.region for e in self.estimates)

    def to_dict(self, lang: Lang = "zh") -> Any:
        """What `policycalc compare-regions PROFILE --format json` prints."""
        from .render.data import data_of
        from .render.views import CompareView

        return data_of(CompareView(self.estimates, lang, self.as_of, self.ruleset))


class Opportunities(NamedTuple):
    """What else the applicant could claim and what stands in the way of each, most money
    first; one section per region asked (one: where the applicant is)."""

    sections: tuple[RegionOpportunities, ...]
    as_of: dt.date
    ruleset: str  # the ruleset's version

    @property
    def items(self) -> list[Opportunity]:
        """Every opportunity, section after section."""
        return [item for section in self.sections for item in section.items]

    @property
    def estimates(self) -> tuple[results.Estimate, ...]:
        return tuple(s.estimate for s in self.sections)

    def to_dict(self, lang: Lang = "zh") -> Any:
        """What `policycalc opportunities PROFILE --format json` prints."""
        from .render.data import data_of
        from .render.views import OpportunitiesView

        return data_of(OpportunitiesView(self.sections, lang, self.as_of, self.ruleset))

    def rows(self, lang: Lang = "zh") -> list[OpportunityRow]:
        """One flat row per opportunity, as `opportunities -f jsonl` writes them."""
        from .render.opportunities import opportunity_rows

        return [row for s in self.sections for row in opportunity_rows(s, lang)]


class Explanation(NamedTuple):
    """One measure: its conditions, formula, ceilings and document; with a profile, the
    estimate it was computed in (the computation of this measure is drawn from it)."""

    ruleset: Ruleset
    measure: Measure
    profile: Profile | None
    as_of: dt.date
    estimate: Estimate | None

    @property
    def status(self) -> str:
        """The document's status on the date: in_force, not_yet or lapsed."""
        return self.ruleset.documents[self.measure.document_id].status(self.as_of)

    @property
    def awards(self) -> list[results.Award]:
        """The measure's awards for the profile (none without a profile)."""
        est = self.estimate
        return [] if est is None else [a for a in est.awards if a.measure.id == self.measure.id]

    @property
    def excluded(self) -> list[results.Exclusion]:
        est = self.estimate
        return [] if est is None else [x for x in est.excluded if x.measure.id == self.measure.id]

    def to_dict(self, lang: Lang = "zh") -> Any:
        """What `policycalc explain MEASURE_ID [--profile P] --format json` prints."""
        from .render.data import explain_data

        return explain_data(self.ruleset, self.measure, self.as_of, lang, self.estimate)


# ------------------------------------------------------------------ the calls


def estimate(
    profile: ProfileLike, as_of: dt.date | str | None = None, *, ruleset: Ruleset | None = None
) -> Estimate:
    """Every award the profile's applicant can claim as of a date (default: today)."""
    from .engine import estimate as run

    rules = _ruleset(ruleset)
    day = _as_of(as_of)
    return Estimate._make(run(rules, read_profile(profile, rules), day))


def estimate_many(
    profiles: Iterable[ProfileLike],
    as_of: dt.date | str | None = None,
    *,
    ruleset: Ruleset | None = None,
    jobs: int = 1,
    steps: bool = False,
) -> Iterator[Estimate | Rejected]:
    """One result per profile, in order, as they are computed: an `Estimate`, or `Rejected`
    for a profile that cannot be estimated (the stream goes on). Profiles are read from the
    iterable as they are needed. `jobs` > 1 spreads the work over that many processes
    (where the system can fork). Computation steps are recorded only with `steps=True`."""
    rules = _ruleset(ruleset)
    day = _as_of(as_of)
    if not 1 <= jobs <= 64:
        raise ArgumentError(f"jobs is from 1 to 64, not {jobs}", field="jobs")
    if jobs > 1 and hasattr(os, "fork"):
        from functools import partial

        from ._parallel import parallel_map

        job = partial(_estimate_one, ruleset=rules, as_of=day, steps=steps)
        return parallel_map(job, profiles, rules, jobs)
    return _serial(profiles, rules, day, steps)


def _serial(
    profiles: Iterable[ProfileLike], ruleset: Ruleset, as_of: dt.date, steps: bool
) -> Iterator[Estimate | Rejected]:
    run = _engine()
    for number, profile in enumerate(profiles, 1):
        yield _estimate_one(number, profile, ruleset, as_of, steps, run)


@cache
def _engine() -> Callable[..., results.Estimate]:
    """The engine, imported once on first use (`import policycalc` stays light)."""
    from .engine import estimate

    return estimate


def _estimate_one(
    number: int,
    profile: ProfileLike,
    ruleset: Ruleset,
    as_of: dt.date,
    steps: bool = False,
    run: Callable[..., results.Estimate] | None = None,
) -> Estimate | Rejected:
    """The `number`th profile of a batch estimated, or why it cannot be (`run`: the engine,
    where the caller holds it already)."""
    try:
        applicant = read_profile(profile, ruleset, source=f"profile #{number}")
        found = (run or _engine())(ruleset, applicant, as_of, trace=steps, make=Estimate)
        return cast(Estimate, found)
    except Error as exc:
        return Rejected(number, BatchRecordError.of(exc, number))
    except (RecursionError, MemoryError, ValueError, ArithmeticError) as exc:
        # A record too deep, too big or too odd to compute: its own failure, not the batch's.
        what = "too deeply nested" if isinstance(exc, RecursionError) else type(exc).__name__
        error = InputError(
            f"this profile cannot be estimated ({what})", source=f"profile #{number}"
        )
        return Rejected(number, BatchRecordError.of(error, number))


def compare_regions(
    profile: ProfileLike,
    regions: Iterable[str] | None = None,
    as_of: dt.date | str | None = None,
    *,
    ruleset: Ruleset | None = None,
) -> Comparison:
    """The same applicant as if registered in each region (default: every region with no
    region below it that a document reaches). Facts tied to a place move with it."""
    from .engine import estimate as run

    rules = _ruleset(ruleset)
    day = _as_of(as_of)
    wanted = default_compare_regions(rules) if regions is None else _regions(regions, rules)
    applicant = read_profile(profile, rules)
    found = tuple(Estimate._make(run(rules, applicant, day, region=r)) for r in wanted)
    return Comparison(found, day, rules.version)


def opportunities(
    profile: ProfileLike,
    as_of: dt.date | str | None = None,
    *,
    regions: Iterable[str] | None = None,
    ruleset: Ruleset | None = None,
) -> Opportunities:
    """What else the applicant could claim, what stands in the way of each, and what
    removing it would bring; with `regions`, as if registered in each of them."""
    from .opportunities import find_opportunities

    rules = _ruleset(ruleset)
    day = _as_of(as_of)
    wanted: list[str | None] = [None] if regions is None else list(_regions(regions, rules))
    applicant = read_profile(profile, rules)
    found = tuple(find_opportunities(rules, applicant, day, region=r) for r in wanted)
    return Opportunities(found, day, rules.version)


def explain(
    measure_id: str,
    profile: ProfileLike | None = None,
    as_of: dt.date | str | None = None,
    *,
    ruleset: Ruleset | None = None,
) -> Explanation:
    """One measure: conditions, formula, ceilings, the document and article it comes from,
    and with a profile its computation step by step."""
    from .engine import estimate as run
    from .schema import suggest

    rules = _ruleset(ruleset)
    measure = rules.measures.get(measure_id) if isinstance(measure_id, str) else None
    if measure is None:
        raise ArgumentError(
            f"unknown measure '{measure_id}'{suggest(str(measure_id), rules.measures)}",
            field="measure_id",
        )
    day = _as_of(as_of)
    applicant = None if profile is None else read_profile(profile, rules)
    est = None if applicant is None else Estimate._make(run(rules, applicant, day))
    return Explanation(rules, measure, applicant, day, est)


def default_compare_regions(ruleset: Ruleset) -> list[str]:
    """Regions with no region below them that at least one document reaches."""
    parents = {r.parent for r in ruleset.regions.values() if r.parent}
    return [
        region
        for region in ruleset.regions
        if region not in parents and ruleset.documents_reaching(region)
    ]


def _regions(regions: Iterable[str], ruleset: Ruleset) -> list[str]:
    from .schema import one_of

    if isinstance(regions, str):
        regions = regions.split(",")
    wanted = [r.strip() for r in regions if isinstance(r, str) and r.strip()]
    if not wanted:
        raise ArgumentError(
            f"give at least one region id; one of: {', '.join(ruleset.regions)}",
            field="regions",
        )
    for region in wanted:
        if region not in ruleset.regions:
            raise ArgumentError(
                f"unknown region '{region}'{one_of(region, ruleset.regions)}", field="regions"
            )
    return wanted


__all__ = [
    "Comparison",
    "Estimate",
    "Explanation",
    "Opportunities",
    "ProfileLike",
    "Rejected",
    "compare_regions",
    "default_compare_regions",
    "estimate",
    "estimate_many",
    "explain",
    "load_ruleset",
    "opportunities",
    "read_profile",
]
