"""Listings: measures, per-document statistics, the fact vocabulary."""

from __future__ import annotations

from typing import Any

from .formulas import describe
from .model import Lang, Ruleset
from .render.data import measure_data


def measure_rows(
    ruleset: Ruleset,
    lang: Lang,
    *,
    region: str | None = None,
    category: str | None = None,
    search: str | None = None,
    document: str | None = None,
    money_only: bool = False,
) -> list[dict[str, Any]]:
    from .errors import UsageError
    from .schema import one_of

    if region is not None and region not in ruleset.regions:
        raise UsageError(
            f"unknown region '{region}'{one_of(region, ruleset.regions)}", field="--region"
        )
    if category is not None and category not in ruleset.categories:
        raise UsageError(
            f"unknown category '{category}'{one_of(category, ruleset.categories)}",
            field="--category",
        )
    if document is not None and document not in ruleset.documents:
        raise UsageError(
            f"unknown document '{document}'{one_of(document, ruleset.documents)}",
            field="--document",
        )
    docs = ruleset.documents_reaching(region) if region else list(ruleset.documents.values())
    needle = search.lower() if search else None
    rows = []
    for doc in docs:
        if document and doc.id != document:
            continue
        for m in doc.measures:
            if category and m.category != category:
                continue
            if money_only and not m.formula.pays:
                continue
            if needle:
                hay = " ".join(
                    [m.id, m.article, m.title.zh, m.title.en, m.summary.zh, m.summary.en]
                ).lower()
                if needle not in hay:
                    continue
            rows.append(measure_data(m, ruleset, lang))
    return rows


def _grams(text: str) -> set[str]:
    """Pairs of neighbouring characters, and whole latin words: what two wordings of one
    thing share (Chinese has no spaces to split on)."""
    low = text.lower()
    grams = {low[i : i + 2] for i in range(len(low) - 1) if not low[i : i + 2].isspace()}
    return grams | set(low.split())


def measures_like(ruleset: Ruleset, query: str, limit: int = 5) -> list[str]:
    """Ids of the measures whose title or summary (either language) says what `query`
    says: those that contain it, else those sharing most of its character pairs."""
    needle = query.strip().lower()
    if not needle:
        return []
    found: list[tuple[float, str]] = []
    wanted = _grams(needle)
    for m in ruleset.measures.values():
        texts = [m.title.zh, m.title.en, m.summary.zh, m.summary.en]
        hay = " ".join(texts).lower()
        if needle in hay:
            in_title = needle in m.title.zh.lower() or needle in m.title.en.lower()
            found.append((2.0 if in_title else 1.5, m.id))
            continue
        if wanted:
            share = len(wanted & _grams(hay)) / len(wanted)
            if share >= 0.5:
                found.append((share, m.id))
    found.sort(key=lambda f: (-f[0], f[1]))
    return [ident for _, ident in found[:limit]]


STATS_COLUMNS = [
    "document",
    "title",
    "region",
    "measures",
    "with_money",
    "case_by_case",
    "no_money",
    "effective_from",
    "effective_until",
]


def stats_rows(ruleset: Ruleset, lang: Lang) -> list[dict[str, Any]]:
    rows = []
    for doc in ruleset.documents.values():
        kinds = [m.formula.kind for m in doc.measures]
        rows.append(
            {
                "document": doc.id,
                "title": doc.title.get(lang),
                "region": doc.region,
                "measures": len(kinds),
                "with_money": sum(1 for k in kinds if k not in ("no_money", "case_by_case")),
                "case_by_case": sum(1 for k in kinds if k == "case_by_case"),
                "no_money": sum(1 for k in kinds if k == "no_money"),
                "effective_from": doc.effective_from.isoformat() if doc.effective_from else None,
                "effective_until": doc.effective_until.isoformat() if doc.effective_until else None,
            }
        )
    return rows


# A fact field named as a product attribute (device_class, independent_ip): the fact takes
# the product's value when it leaves the field out (profile.py), required or not.
FROM_PRODUCT = {
    "zh": "（未写时取所指产品的）",
    "en": " (the product's, when the fact leaves it out)",
}


def fact_rows(ruleset: Ruleset, lang: Lang, kind: str | None) -> list[dict[str, Any]]:
    vocab = ruleset.vocabulary
    rows = []
    if kind in (None, "applicant"):
        for name, spec in vocab.applicant.items():
            rows.append(
                {
                    "kind": "applicant",
                    "field": name,
                    "type": spec.type,
                    "required": spec.required,
                    "values": [str(v) for v in spec.values] if spec.values else None,
                    "label": spec.label.get(lang),
                }
            )
    if kind in (None, "product"):
        # A product is declared once under `products`; conditions read product.<attribute>.
        rows.append(
            {
                "kind": "product",
                "field": "id",
                "type": "text",
                "required": True,
                "values": None,
                "label": "产品编号（事实以 product 引用）"
                if lang == "zh"
                else "product id (facts name it with `product`)",
            }
        )
        for name, spec in vocab.products.items():
            rows.append(
                {
                    "kind": "product",
                    "field": name,
                    "type": spec.type,
                    "required": spec.required,
                    "values": [str(v) for v in spec.values] if spec.values else None,
                    "label": spec.label.get(lang),
                }
            )
    for kind_id, k in vocab.kinds.items():
        if kind not in (None, kind_id):
            continue
        rows.append(
            {
                "kind": kind_id,
                "field": None,
                "type": "kind",
                "required": None,
                "values": None,
                "label": k.label.get(lang),
            }
        )
        for name, spec in k.fields.items():
            rows.append(
                {
                    "kind": kind_id,
                    "field": name,
                    "type": spec.type,
                    "required": spec.required,
                    "values": [str(v) for v in spec.values] if spec.values else None,
                    "label": spec.label.get(lang)
                    + (" [place]" if spec.place else "")
                    + (FROM_PRODUCT[lang] if name in vocab.products else ""),
                }
            )
    return rows


def fact_value_words(ruleset: Ruleset, lang: Lang) -> dict[tuple[str, str], dict[str, str]]:
    """Each enum field's values in a language's words, by (kind, field) as `fact_rows` names
    them (`applicant` and `product` for those sections)."""
    from .wording import value_words

    vocab = ruleset.vocabulary
    sections = [("applicant", vocab.applicant), ("product", vocab.products)]
    sections += [(kind_id, kind.fields) for kind_id, kind in vocab.kinds.items()]
    return {
        (section, name): {str(v): value_words(spec, v).get(lang) for v in spec.values or ()}
        for section, fields in sections
        for name, spec in fields.items()
        if spec.type == "enum"
    }


__all__ = ["describe", "fact_rows", "fact_value_words", "measure_rows", "stats_rows"]


REGION_COLUMNS = ["id", "name", "level", "parent", "documents", "reached_by"]


def region_rows(ruleset: Ruleset, lang: Lang) -> list[dict[str, Any]]:
    """`regions`: each region, its level and parent, its own documents and those reaching it."""
    rows: list[dict[str, Any]] = []
    for region in ruleset.regions.values():
        own = [d.id for d in ruleset.documents.values() if d.region == region.id]
        reaching = [d.id for d in ruleset.documents_reaching(region.id)]
        rows.append(
            {
                "id": region.id,
                "name": region.name.get(lang),
                "level": region.level,
                "parent": region.parent,
                "documents": own,
                "reached_by": reaching,
            }
        )
    return rows
