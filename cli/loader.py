"""Load and validate policy data: shared tables and one YAML file per document."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from .errors import DataError, PolicycalcError
from .formulas import parse_formula
from .model import (
    PRODUCT_PREFIX,
    AnyOf,
    Ceiling,
    CeilingScope,
    Clause,
    Condition,
    Department,
    Departments,
    Document,
    Eligibility,
    FactKind,
    FieldSpec,
    FieldType,
    Measure,
    Overlap,
    Payment,
    Region,
    Requirement,
    Ruleset,
    Stacking,
    Stages,
    Text,
    Trigger,
    Vocabulary,
)
from .schema import Reader, one_of, suggest, type_name

FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)
APPLICANT_FLAGS = (
    "serious_credit_record",
    "safety_accident",
    "wage_arrears",
    "environmental_violation",
)
REGISTRATIONS = ("business", "tax")
SCOPES: tuple[CeilingScope, ...] = get_args(CeilingScope)
MAX_REGION_DEPTH = 8  # province, city, district: three levels are used; eight is plenty
ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


def _parse(path: Path, raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", source=str(path)) from None
    from .yamlsafe import load_yaml

    return load_yaml(text, str(path), error=DataError, fast=True)


def build(
    raws: dict[Path, bytes],
    tables: list[tuple[str, Path]],
    paths: list[Path],
    additive: frozenset[Path] = frozenset(),
) -> Ruleset:
    """Parse and validate the files read by `rulesets.load_ruleset` into a Ruleset.
    `additive` tables (from --extra-data) may add regions but not change one defined
    before them: that would move every applicant of the region, bundled documents too."""
    builder = _Builder(raws)
    builder.additive = {str(p) for p in additive}
    return builder.build(tables, paths)


class _Builder:
    def __init__(self, raws: dict[Path, bytes]) -> None:
        self.raws = raws
        self.digest = hashlib.sha256()
        self.sources: list[str] = []
        self.regions: dict[str, Region] = {}
        self.additive: set[str] = set()
        self.departments: dict[str, dict[str, Department]] = {}
        self.categories: dict[str, Text] = {}
        self.recipients: dict[str, Text] = {}
        self.individuals: frozenset[str] = frozenset()
        self.applicant_fields: dict[str, FieldSpec] = {}
        self.kinds: dict[str, FactKind] = {}
        self.product_fields: dict[str, FieldSpec] = {}
        self.stages: Stages | None = None
        self.requirements: list[tuple[str, str, int | None, str]] = []

    def _load(self, path: Path) -> Any:
        raw = self.raws[path]
        self.digest.update(path.name.encode() + b"\0" + raw + b"\0")
        self.sources.append(str(path))
        return _parse(path, raw)

    def build(self, tables: list[tuple[str, Path]], paths: list[Path]) -> Ruleset:
        handlers = {
            "regions.yaml": self._regions,
            "departments.yaml": self._departments,
            "labels.yaml": self._labels,
            "facts.yaml": self._facts,
        }
        for name, path in tables:
            handlers[name](self._load(path), str(path))
        documents: dict[str, Document] = {}
        measures: dict[str, Measure] = {}
        problems: list[PolicycalcError] = []
        for path in paths:
            try:
                doc = self._document(self._load(path), str(path))
            except DataError as exc:  # report every file's first problem, not only the first file's
                problems.append(exc)
                continue
            if doc.id in documents:
                raise DataError(
                    f"duplicate document id '{doc.id}' (also in {documents[doc.id].path})",
                    source=str(path),
                    field="document.id",
                )
            for measure in doc.measures:
                if measure.id in measures:
                    other = measures[measure.id]
                    raise DataError(
                        f"duplicate measure id '{measure.id}' (also in {other.source}:{other.line})",
                        source=str(path),
                        line=measure.line,
                        field="measures.id",
                    )
                measures[measure.id] = measure
            documents[doc.id] = doc
        for required, source, line, field in self.requirements:
            if required not in measures and not problems:
                raise DataError(
                    f"requires unknown measure '{required}'{suggest(required, measures)}",
                    source=source,
                    line=line,
                    field=field,
                )
            if required in measures and measures[required].trigger is None:
                raise DataError(
                    f"requires measure '{required}', which has no trigger to check",
                    source=source,
                    line=line,
                    field=field,
                )
        if problems:
            first = problems[0]
            first.others = problems[1:]
            raise first
        return Ruleset(
            regions=self.regions,
            departments=self.departments,
            categories=self.categories,
            recipients=self.recipients,
            vocabulary=Vocabulary(
                self.applicant_fields, self.kinds, self.product_fields, self.stages
            ),
            documents=documents,
            measures=measures,
            version=self.digest.hexdigest()[:12],
            sources=tuple(self.sources),
        )

    # ------------------------------------------------------------ shared tables

    def _regions(self, data: Any, source: str) -> None:
        top = Reader(data, source, "", DataError)
        table = top.sub("regions") if top.has("regions") else None
        top.raw("regions")
        top.finish()
        assert table is not None
        for key in table.data:
            r = table.sub(key)
            table.used.add(key)
            region = Region(
                id=key,
                name=Text(r.string("zh"), r.string("en")),
                level=r.choice("level", ("province", "city", "district")),
                parent=r.opt_str("parent"),
            )
            r.finish()
            known = self.regions.get(key)
            if (
                source in self.additive
                and known is not None
                and (known.name, known.level, known.parent)
                != (region.name, region.level, region.parent)
            ):
                raise DataError(
                    f"region '{key}' is defined already ({known.level}, parent "
                    f"{known.parent or 'none'}); extra data adds regions and cannot change "
                    "one: to redefine it, give the whole data set as the data folders",
                    source=source,
                    line=table.line_of(key),
                    field=f"regions.{key}",
                )
            self.regions[key] = region
        for region in self.regions.values():
            if region.parent is not None and region.parent not in self.regions:
                raise DataError(
                    f"unknown parent region '{region.parent}'"
                    f"{suggest(region.parent, self.regions)}",
                    source=source,
                    line=table.line_of(region.id),
                    field=f"regions.{region.id}",
                )
        self._region_tree(table, source)

    def _region_tree(self, table: Reader, source: str) -> None:
        """Parents must form a tree no deeper than MAX_REGION_DEPTH: a cycle (a province
        inside its own city) would let an applicant of one collect the other's awards."""
        for region in self.regions.values():
            path = [region.id]
            current = region.parent
            while current is not None:
                if current in path:
                    cycle = [*path[path.index(current) :], current]
                    raise DataError(
                        f"region parents form a cycle: {' → '.join(cycle)}",
                        source=source,
                        line=table.line_of(region.id),
                        field=f"regions.{region.id}.parent",
                    )
                path.append(current)
                if len(path) > MAX_REGION_DEPTH:
                    raise DataError(
                        f"regions nested more than {MAX_REGION_DEPTH} levels deep "
                        f"({' → '.join(path[:4])} → …)",
                        source=source,
                        line=table.line_of(region.id),
                        field=f"regions.{region.id}.parent",
                    )
                current = self.regions[current].parent if current in self.regions else None

    def _departments(self, data: Any, source: str) -> None:
        top = Reader(data, source, "", DataError)
        top.raw("departments")
        table = top.sub("departments")
        top.finish()
        for region in table.data:
            table.used.add(region)
            if region not in self.regions:
                raise table.fail(
                    region, f"unknown region '{region}'{suggest(region, self.regions)}"
                )
            block = table.sub(region)
            for name in block.data:
                entry = block.sub(name)
                block.used.add(name)
                self.departments.setdefault(region, {})[name] = Department(
                    region=region, zh=name, en=entry.string("en")
                )
                entry.finish()

    def _labels(self, data: Any, source: str) -> None:
        top = Reader(data, source, "", DataError)
        for key, target in (("categories", self.categories), ("recipients", self.recipients)):
            if not top.has(key):
                continue
            top.raw(key)
            block = top.sub(key)
            for name in block.data:
                target[name] = block.text(name)
        if top.has("individual_recipients"):
            names = top.str_list("individual_recipients")
            for name in names:
                if name not in self.recipients:
                    raise top.fail(
                        "individual_recipients",
                        f"unknown recipient '{name}'{suggest(name, self.recipients)}",
                    )
            self.individuals = frozenset(names)
        top.finish()

    def _facts(self, data: Any, source: str) -> None:
        top = Reader(data, source, "", DataError)
        if top.has("applicant"):
            top.raw("applicant")
            block = top.sub("applicant")
            for name in block.data:
                block.used.add(name)
                self.applicant_fields[name] = self._field_spec(block.sub(name), name)
        if top.has("product"):
            top.raw("product")
            block = top.sub("product")
            for name in block.data:
                block.used.add(name)
                if name == "id":
                    raise block.fail(name, "'id' is common to every product")
                self.product_fields[name] = self._field_spec(block.sub(name), name)
        if top.has("kinds"):
            top.raw("kinds")
            kinds = top.sub("kinds")
            for kind_id in kinds.data:
                kinds.used.add(kind_id)
                k = kinds.sub(kind_id)
                fields: dict[str, FieldSpec] = {}
                k.raw("fields")
                fblock = k.sub("fields")
                for name in fblock.data:
                    fblock.used.add(name)
                    if name in ("kind", "date", "product", "note"):
                        raise fblock.fail(name, f"'{name}' is common to every fact")
                    fields[name] = self._field_spec(fblock.sub(name), name)
                self.kinds[kind_id] = FactKind(
                    kind_id, Text(k.string("zh"), k.string("en")), fields
                )
                k.finish()
        if top.has("stages"):
            top.raw("stages")
            self.stages = self._stages(top.sub("stages"))
        top.finish()

    def _stages(self, st: Reader) -> Stages:
        kinds = {}
        for key in ("preclinical", "approval", "entered", "completed"):
            kind = st.string(key)
            if kind not in self.kinds:
                raise st.fail(key, f"no fact kind '{kind}'{suggest(kind, self.kinds)}")
            kinds[key] = kind
        phase = st.string("phase")
        next_entered = st.string("next_entered")
        for key, name, kind in (
            ("phase", phase, kinds["entered"]),
            ("phase", phase, kinds["completed"]),
            ("next_entered", next_entered, kinds["completed"]),
        ):
            if name not in self.kinds[kind].fields:
                raise st.fail(key, f"fact kind '{kind}' has no field '{name}'")
        last = st.number("last_phase", positive=True)
        if last != int(last):
            raise st.fail("last_phase", f"a phase is a whole number, found {last}")
        fields = st.seq("stage_fields")
        stages = Stages(
            phase=phase,
            last_phase=int(last),
            next_entered=next_entered,
            stage_fields=frozenset(str(f) for f in fields),
            **kinds,
        )
        st.finish()
        return stages

    def _field_spec(self, r: Reader, name: str) -> FieldSpec:
        ftype = r.choice("type", FIELD_TYPES)
        values = r.seq("values", None)
        if ftype == "enum" and not values:
            raise r.fail("type", "an enum needs 'values'")
        spec = FieldSpec(
            name=name,
            type=ftype,
            label=Text(r.string("zh"), r.string("en")),
            values=tuple(values) if values else None,
            required=r.flag("required", False),
            default=r.raw("default", None),
            place=r.flag("place", False),
            labels=self._value_labels(r, values) if r.has("labels") else None,
        )
        r.finish()
        return spec

    def _value_labels(self, r: Reader, values: list[Any] | None) -> dict[Any, Text]:
        """A field's `labels`: each of its values' words, `{value: {zh: …, en: …}}`."""
        r.raw("labels")
        block = r.sub("labels")
        if not values:
            raise r.fail("labels", "'labels' names the words of 'values'; this field has none")
        known = {str(v): v for v in values}
        out: dict[Any, Text] = {}
        for key in block.data:
            if str(key) not in known:
                raise block.fail(
                    key, f"'{key}' is not one of the field's values{one_of(str(key), known)}"
                )
            out[known[str(key)]] = block.text(key)
        block.finish()
        return out

    # ------------------------------------------------------------ documents

    def _document(self, data: Any, source: str) -> Document:
        top = Reader(data, source, "", DataError)
        d = top.sub("document") if top.has("document") else None
        top.raw("document")
        top.raw("measures")
        top.finish()
        assert d is not None
        doc_id = d.string("id")
        if not set(doc_id) <= ID_CHARS:
            raise d.fail("id", f"'{doc_id}': use lower-case letters, digits and hyphens")
        region = d.string("region")
        if region not in self.regions:
            raise d.fail("region", f"unknown region '{region}'{suggest(region, self.regions)}")
        issued = d.date("issued", None)
        start_unknown = d.raw("effective_from", None) == "unknown"
        if start_unknown:
            d.used.add("effective_from")
            start = None
        else:
            start = d.date("effective_from", None)
        known_by = d.date("known_by", None)
        if known_by is not None and not start_unknown:
            raise d.fail("known_by", "known_by bounds an unknown start: effective_from: unknown")
        end = d.date("effective_until", None)
        if start and end and end < start:
            raise d.fail("effective_until", f"ends ({end}) before it starts ({start})")
        facts_from = d.date("facts_from", None)
        stacking = None
        if d.raw("stacking", None) is not None:
            s = d.sub("stacking")
            stacking = Stacking(
                s.choice("rule", ("higher_only",)), s.string("article"), s.text("summary")
            )
            s.finish()
        eligibility = Eligibility()
        if d.raw("eligibility", None) is not None:
            eligibility = self._eligibility(d.sub("eligibility"))
        measures_raw = top.data["measures"]
        if not isinstance(measures_raw, list):
            raise top.fail("measures", f"expected a list, found {type_name(measures_raw)}")
        measures = []
        for index, item, line in top.items("measures"):
            r = Reader(item, source, f"measures[{index}]", DataError, line=line)
            measures.append(self._measure(r, doc_id, region, source))
        measure_ids = {m.id for m in measures}
        ceilings = []
        if d.raw("ceilings", None) is not None:
            d.seq("ceilings")
            for index, item, line in d.items("ceilings"):
                c = Reader(item, source, f"document.ceilings[{index}]", DataError, line=line)
                ceilings.append(self._ceiling(c, doc_id, measure_ids, measures))
        overlaps = []
        if d.raw("may_overlap", None) is not None:
            d.seq("may_overlap")
            for index, item, line in d.items("may_overlap"):
                o = Reader(item, source, f"document.may_overlap[{index}]", DataError, line=line)
                overlaps.append(self._overlap(o, measure_ids))
        doc = Document(
            id=doc_id,
            region=region,
            title=d.text("title"),
            issuer=d.text("issuer"),
            number=d.string("number"),
            source=d.string("source"),
            issued=issued,
            effective_from=start,
            effective_until=end,
            validity=d.text("validity"),
            facts_from=facts_from,
            stacking=stacking,
            eligibility=eligibility,
            ceilings=tuple(ceilings),
            measures=tuple(measures),
            path=source,
            overlaps=tuple(overlaps),
            start_unknown=start_unknown,
            known_by=known_by,
        )
        d.finish()
        return doc

    def _eligibility(self, r: Reader) -> Eligibility:
        registration = r.str_list("registration", ("business",))
        for item in registration:
            if item not in REGISTRATIONS:
                raise r.fail(
                    "registration", f"unknown registration '{item}'; expected business and/or tax"
                )
        legal_forms = r.str_list("legal_forms", None)
        known_forms = self.applicant_fields.get("legal_form")
        if legal_forms and known_forms and known_forms.values:
            for form in legal_forms:
                if form not in known_forms.values:
                    raise r.fail(
                        "legal_forms",
                        f"unknown legal form '{form}'{suggest(form, known_forms.values)}",
                    )
        exclusions = r.str_list("exclusions", ())
        suspensions = r.str_list("suspensions", ())
        for flag in (*exclusions, *suspensions):
            if flag not in APPLICANT_FLAGS:
                raise r.fail(
                    "exclusions" if flag in exclusions else "suspensions",
                    f"unknown flag '{flag}'{suggest(flag, APPLICANT_FLAGS)}",
                )
        out = Eligibility(
            article=r.opt_str("article"),
            summary=r.text("summary", None),
            registration=registration,
            legal_forms=legal_forms,
            independent_legal_person=r.flag("independent_legal_person", False),
            biomedicine_business=r.flag("biomedicine_business", False),
            in_enterprise_database=r.flag("in_enterprise_database", False),
            exclusions=exclusions,
            suspensions=suspensions,
        )
        r.finish()
        return out

    def _overlap(self, o: Reader, measure_ids: set[str]) -> Overlap:
        ids = o.str_list("measures")
        for mid in ids:
            if mid not in measure_ids:
                raise o.fail(
                    "measures",
                    f"unknown measure '{mid}'{suggest(mid, measure_ids)} in this document",
                )
        if len(set(ids)) < 2:
            raise o.fail("measures", "name at least two measures that may overlap")
        out = Overlap(o.string("id"), o.string("article"), o.text("summary"), frozenset(ids))
        o.finish()
        return out

    def _ceiling(
        self, c: Reader, doc_id: str, measure_ids: set[str], measures: list[Measure]
    ) -> Ceiling:
        covered_raw = c.raw("measures")
        covered: frozenset[str] | None
        if covered_raw == "all":
            covered = None
        else:
            ids = c.str_list("measures")
            for mid in ids:
                if mid not in measure_ids:
                    raise c.fail(
                        "measures",
                        f"unknown measure '{mid}'{suggest(mid, measure_ids)} in this document",
                    )
            covered = frozenset(ids)
        exempt: frozenset[str] = frozenset()
        if covered is None:
            # A ceiling over all of a document's measures limits what the enterprise gets;
            # awards paid to people stand outside it unless it names the recipients it limits.
            limited = c.str_list("recipients", None)
            if limited is None:
                exempt = self.individuals
            else:
                for name in limited:
                    if name not in self.recipients:
                        raise c.fail(
                            "recipients",
                            f"unknown recipient '{name}'{suggest(name, self.recipients)}",
                        )
                exempt = frozenset(self.recipients) - frozenset(limited)
        elif c.raw("recipients", None) is not None:
            raise c.fail("recipients", "only a ceiling over 'all' measures names its recipients")
        ceiling = Ceiling(
            id=c.string("id"),
            article=c.string("article"),
            summary=c.text("summary"),
            scope=c.choice("scope", SCOPES),
            amount=c.number("amount", positive=True),
            measures=covered,
            document_id=doc_id,
            exempt=exempt,
        )
        c.finish()
        _check_ceiling_not_below(c, ceiling, measures)
        return ceiling

    def _measure(self, r: Reader, doc_id: str, region: str, source: str) -> Measure:
        mid = r.string("id")
        if not set(mid) <= ID_CHARS:
            raise r.fail("id", f"'{mid}': use lower-case letters, digits and hyphens")
        category = r.string("category")
        if category not in self.categories:
            raise r.fail(
                "category", f"unknown category '{category}'{suggest(category, self.categories)}"
            )
        recipient = r.string("recipient")
        if recipient not in self.recipients:
            raise r.fail(
                "recipient", f"unknown recipient '{recipient}'{suggest(recipient, self.recipients)}"
            )
        departments = self._measure_departments(r, region)
        trigger = None
        kind = None
        if r.raw("trigger", None) is not None:
            t = r.sub("trigger")
            kind_id = t.string("kind")
            if kind_id not in self.kinds:
                raise t.fail("kind", f"unknown fact kind '{kind_id}'{suggest(kind_id, self.kinds)}")
            kind = self.kinds[kind_id]
            where = self._clauses(t, "where", kind.fields, f"fact kind '{kind_id}'")
            applicant = self._clauses(t, "applicant", self.applicant_fields, "applicant")
            trigger = Trigger(kind_id, where, applicant)
            t.finish()
        r.raw("formula")
        formula = parse_formula(r.sub("formula"), kind.fields if kind else None)
        if trigger is None and formula.reads_fact:
            raise r.fail("formula", "a formula that reads fact fields needs a trigger")
        measure = Measure(
            id=mid,
            document_id=doc_id,
            article=r.string("article"),
            title=r.text("title"),
            summary=r.text("summary"),
            category=category,
            recipient=recipient,
            departments=departments,
            trigger=trigger,
            formula=formula,
            stacking_group=r.opt_str("stacking_group"),
            event_window=r.choice("event_window", ("previous_year",), None),
            payment=self._payment(r) if r.raw("payment", None) is not None else None,
            notes=r.text("notes", None),
            source=source,
            line=r.line,
            requires=self._requirement(r, kind) if r.raw("requires", None) is not None else None,
        )
        r.finish()
        return measure

    def _requirement(self, r: Reader, kind: FactKind | None) -> Requirement:
        q = r.sub("requires")
        flag = q.opt_str("flag")
        if flag is not None and (
            kind is None or flag not in kind.fields or kind.fields[flag].type != "bool"
        ):
            raise q.fail("flag", f"'{flag}' is not a yes/no field of this measure's fact kind")
        out = Requirement(q.string("measure"), q.choice("same", ("applicant", "product")), flag)
        q.finish()
        self.requirements.append((out.measure, q.source, q.line, q.field("measure")))
        return out

    def _payment(self, r: Reader) -> Payment:
        p = r.sub("payment")
        years = p.raw("years", None)
        if years is not None and (
            isinstance(years, bool) or not isinstance(years, int) or years < 1
        ):
            raise p.fail("years", f"expected a whole number of years, found {years!r}")
        out = Payment(
            Text(p.string("zh"), p.string("en")),
            p.choice("frequency", ("once", "yearly", "per_event", "staged"), None),
            years,
        )
        p.finish()
        return out

    def _measure_departments(self, r: Reader, region: str) -> Departments:
        r.raw("departments")
        d = r.sub("departments")
        table = self.departments.get(region, {})
        found: dict[str, tuple[Department, ...]] = {}
        for role in ("lead", "support"):
            names = d.str_list(role, ())
            resolved = []
            for name in names:
                if name not in table:
                    raise d.fail(
                        role,
                        f"unknown department '{name}' for region '{region}'"
                        f"{suggest(name, table)}; add it to departments.yaml",
                    )
                resolved.append(table[name])
            found[role] = tuple(resolved)
        out = Departments(found["lead"], found["support"], d.text("note", None))
        d.finish()
        return out

    def _clauses(
        self, t: Reader, key: str, fields: dict[str, FieldSpec], what: str
    ) -> tuple[Clause, ...]:
        if t.raw(key, None) is None:
            return ()
        block = t.sub(key)
        out: list[Clause] = []
        for name in block.data:
            block.used.add(name)
            if name == "any":
                groups = []
                value = block.data[name]
                if not isinstance(value, list) or not value:
                    raise block.fail(name, "'any' takes a list of condition mappings")
                for index, item, line in block.items(name):
                    sub = Reader(
                        item, block.source, f"{block.field(name)}[{index}]", DataError, line=line
                    )
                    groups.append(tuple(self._conditions_of(sub, fields, what)))
                out.append(AnyOf(tuple(groups)))
            else:
                out.extend(self._conditions_of_one(block, name, fields, what))
        return tuple(out)

    def _conditions_of(
        self, block: Reader, fields: dict[str, FieldSpec], what: str
    ) -> list[Condition]:
        out: list[Condition] = []
        for name in block.data:
            block.used.add(name)
            out.extend(self._conditions_of_one(block, name, fields, what))
        return out

    def _conditions_of_one(
        self, block: Reader, name: str, fields: dict[str, FieldSpec], what: str
    ) -> list[Condition]:
        if what.startswith("fact kind") and name.startswith(PRODUCT_PREFIX):
            # An attribute of the product the fact names (`product.modality`, …).
            attribute = name[len(PRODUCT_PREFIX) :]
            products = self.product_fields
            if attribute not in products:
                raise block.fail(
                    name,
                    f"a product has no attribute '{attribute}'{suggest(attribute, products)}; "
                    f"facts.yaml's `product` section lists them",
                )
            spec = products[attribute]
        elif name not in fields:
            raise block.fail(name, f"{what} has no field '{name}'{suggest(name, fields)}")
        else:
            spec = fields[name]
        value = block.data[name]
        if isinstance(value, dict):
            sub = block.sub(name)
            out = []
            for op in ("min", "above", "max", "below"):
                if sub.has(op):
                    if spec.type not in ("money", "count", "int"):
                        raise sub.fail(op, f"'{op}' needs a numeric field; '{name}' is {spec.type}")
                    out.append(Condition(name, op, sub.number(op)))
            sub.finish()
            if not out:
                raise block.fail(name, "expected min, above, max or below")
            return out
        if isinstance(value, list):
            for item in value:
                self._check_value(block, name, spec, item)
            return [Condition(name, "in", tuple(value))]
        self._check_value(block, name, spec, value)
        return [Condition(name, "eq", value)]

    def _check_value(self, block: Reader, name: str, spec: FieldSpec, value: Any) -> None:
        ok = True
        if spec.type == "bool":
            ok = isinstance(value, bool)
        elif spec.type in ("money", "count", "int"):
            ok = isinstance(value, int | Decimal) and not isinstance(value, bool)
        elif spec.type == "region":
            ok = value in self.regions
        if spec.values is not None and value not in spec.values:
            ok = False
        if not ok:
            allowed = (
                f"; expected one of: {', '.join(map(str, spec.values))}"
                if spec.values
                else f"; expected {spec.type}"
            )
            raise block.fail(name, f"value '{value}' does not fit field '{name}'{allowed}")


def _check_ceiling_not_below(c: Reader, ceiling: Ceiling, measures: list[Measure]) -> None:
    """A ceiling below what a covered measure always gives (on some stage, tier or band) would
    cut every such award: the data or the reading of the text is wrong."""
    for m in measures:
        if not ceiling.covers(m.id):
            continue
        floor = m.formula.least_award()
        if floor is not None and floor[0] > ceiling.amount:
            amount, branch = floor
            raise c.fail(
                "amount",
                f"ceiling {ceiling.amount} is below the {amount} that measure '{m.id}' "
                f"always gives{f' when {branch}' if branch else ''}",
            )
