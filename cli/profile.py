"""Read an applicant profile (YAML, TOML or JSON) and check it against the vocabulary."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Container
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, NoReturn, assert_never

from .errors import ProfileError as InputError  # every error here is the profile's
from .lines import LineDict, LineList
from .model import PRODUCT_PREFIX, Fact, FieldSpec, Profile, Ruleset, Text
from .schema import suggest, type_name

MAX_AMOUNT = Decimal("1000000000")  # 万元: ten trillion yuan; anything larger is a typo
MAX_COUNT = 1_000_000
MIN_DATE = dt.date(1949, 10, 1)
MAX_DATE = dt.date(2100, 12, 31)
MAX_FACTS = 10_000
COMMON_FACT_KEYS = ("kind", "date", "product", "note")
TOP_KEYS = ("applicant", "products", "facts")

# The old form: one `product_type` (and `modality`, `drug_class`) on each fact, mixing two
# questions. Each value says what it says about the product's attributes; what it leaves
# out stays unknown (a condition that reads it makes the measure possible, not certain).
LEGACY_PRODUCT_TYPE: dict[str, dict[str, str]] = {
    "innovative_drug": {"category": "drug", "novelty": "innovative"},
    "improved_drug": {"category": "drug", "novelty": "improved"},
    "biosimilar": {"category": "drug", "novelty": "biosimilar", "modality": "biologic"},
    "generic_drug": {"category": "drug", "novelty": "generic"},
    "cell_biologic": {"category": "drug", "modality": "cell"},
    "tcm": {"category": "drug", "modality": "tcm"},
    "vaccine": {"category": "drug", "modality": "vaccine"},
    "device": {"category": "device"},
    "drug": {"category": "drug"},
}
LEGACY_MODALITY = {
    "chemical": "chemical",
    "biologic": "biologic",
    "tcm": "tcm",
    "cell_biologic": "cell",
    "vaccine": "vaccine",
}
LEGACY_KEYS = ("product_type", "modality", "drug_class")
# 药品注册分类: class 1 is the innovative drug, class 2 the improved new drug (chemical drugs,
# biologics and TCM alike).
CLASS_NOVELTY = {1: "innovative", 2: "improved"}
NOVELTY_CLASS = {v: k for k, v in CLASS_NOVELTY.items()}
DEVICE_MODALITIES = ("device", "ivd")
DRUG_ONLY = ("novelty", "drug_class")
DEVICE_ONLY = ("device_class",)  # 医疗器械类别: a device's (or an IVD's) alone
FORMATS = ("yaml", "toml", "json")


GBK_HINT = " (it looks like GBK, as Excel on Chinese Windows saves it: pass --encoding gbk)"


def looks_like_gbk(raw: bytes) -> bool:
    """Bytes that are not UTF-8 but read as Chinese text in GBK/GB18030 (a cut multi-byte
    tail is fine): most of what they decode to is in GB2312, the common characters. Latin-1
    letters (é, ü) also decode as GBK, but to rare characters, so they do not pass; plain
    ASCII says nothing either way."""
    if raw.isascii():
        return False
    for cut in range(4):
        try:
            text = raw[: len(raw) - cut].decode("gb18030")
        except UnicodeDecodeError:
            continue
        wide = [c for c in text if c > "\x7f"]
        common = sum(1 for c in wide if _in_gb2312(c))
        return common * 2 >= len(wide) > 0
    return False


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def read_text(raw: bytes, source: str, encoding: str = "utf-8") -> str:
    """Decode a profile's bytes: UTF-8 (a BOM is fine) unless another encoding is named;
    anything else is a clear error."""
    if not raw.strip():
        raise InputError("the file is empty", source=source)
    if b"\0" in raw:
        raise InputError("this is a binary file, not a profile", source=source)
    utf8 = encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig")
    try:
        return raw.decode("utf-8-sig" if utf8 else encoding)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if utf8 else encoding
        hint = GBK_HINT if utf8 and looks_like_gbk(raw) else ""
        raise InputError(f"not {name} text at byte {exc.start}{hint}", source=source) from None


_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


def grouped_number(text: str) -> Decimal | None:
    """A number written with thousands separators (`2,500`, `12,345.5`), else None."""
    text = text.strip()
    if _GROUPED.fullmatch(text):
        return Decimal(text.replace(",", ""))
    return None


def guess_format(text: str, source: str) -> str:
    suffix = Path(source).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".toml":
        return "toml"
    if suffix in (".json", ".jsonl"):
        return "json"
    head = text.lstrip()
    if head.startswith(("{", "[")) and not head.startswith("[applicant]"):
        return "json"
    if re.search(r"^\s*\[(applicant|\[facts\])\]\s*$", text, re.M):
        return "toml"
    return "yaml"


def parse_document(text: str, source: str, fmt: str | None = None) -> Any:
    """Parse profile text into plain data (no vocabulary check yet)."""
    fmt = fmt or guess_format(text, source)
    if fmt == "json":
        return parse_json(text, source)
    if fmt == "toml":
        import tomllib

        odd = _TOML_ODD_NUMBER.search(text)
        if odd is not None:
            raise InputError(
                f"'{odd.group(1)}' is not a number in decimal digits (TOML reads it as "
                f"{_toml_value(odd.group(1))}); write it so",
                source=source,
                line=text.count("\n", 0, odd.start(1)) + 1,
            )

        try:
            return tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as exc:
            line = getattr(exc, "lineno", None)
            message = str(exc).split(" (at line")[0]
            raise InputError(f"invalid TOML: {message}", source=source, line=line) from None
        except ValueError as exc:  # an integer of thousands of digits
            raise InputError(f"invalid TOML: {_plain(exc)}", source=source) from None
        except RecursionError:
            raise InputError("invalid TOML: nested too deeply", source=source) from None
    from .yamlsafe import load_yaml

    return load_yaml(text, source, allow_aliases=False, error=InputError)


# A TOML value in another base or with digit separators (0x3E8, 0o17, 0b1, 1_000): a
# number a person did not mean as written. (Inside a string it would be refused too: rare.)
_TOML_ODD_NUMBER = re.compile(
    r"[=,\[{]\s*([+-]?(?:0[xob][0-9a-fA-F_]+|[0-9]+(?:_[0-9]+)+(?:\.[0-9_]+)?))\s*(?=$|[,\]}#\s])",
    re.M,
)


def _toml_value(text: str) -> str:
    import tomllib

    try:
        return str(tomllib.loads(f"x = {text}")["x"])
    except (tomllib.TOMLDecodeError, ValueError):
        return "something else"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key '{key}'")
            seen.add(key)
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"'{name}' is not a number")


def _plain(exc: ValueError) -> str:
    """A parser's ValueError in the user's terms (Python's digit limit names sys functions)."""
    if "integer string conversion" in str(exc):
        return "a number of more than 4,300 digits"
    return str(exc)


_JSON: json.JSONDecoder | None = None  # one decoder for every record (json.loads builds one each)

# A "\ud800" escape decodes to a lone surrogate: text no output can encode. Read from a
# file, only JSON's escapes can make one (the bytes were decoded strictly); text handed in
# by a caller may hold one as it is.
_SURROGATE_ESCAPE = re.compile("\\\\u[dD][89a-fA-F]|[\ud800-\udfff]")
SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first key or text in `data` holding a lone surrogate: (its place, the code)."""
    if isinstance(data, str):
        found = SURROGATE.search(data)
        return (path, f"\\u{ord(found.group()):04x}") if found else None
    if isinstance(data, dict):
        for key, value in data.items():
            place = f"{path}.{key}" if path else str(key)
            hit = lone_surrogate(key, place) or lone_surrogate(value, place)
            if hit is not None:
                return hit
    elif isinstance(data, list):
        for index, value in enumerate(data):
            hit = lone_surrogate(value, f"{path}[{index}]")
            if hit is not None:
                return hit
    return None


def refuse_surrogates(data: Any, source: str, line: int | None = None) -> Any:
    hit = lone_surrogate(data)
    if hit is not None:
        raise InputError(
            f"text with a lone surrogate ({hit[1]}) is not allowed",
            source=source,
            line=line,
            field=hit[0] or None,
        )
    return data


def parse_json(text: str, source: str, line: int | None = None) -> Any:
    global _JSON
    try:
        if isinstance(text, str) and not text.startswith("\ufeff"):
            if _JSON is None:
                _JSON = json.JSONDecoder(
                    parse_float=Decimal,
                    object_pairs_hook=_no_duplicates,
                    parse_constant=_reject_constant,
                )
            data = _JSON.decode(text)
        else:
            data = json.loads(
                text,
                parse_float=Decimal,
                object_pairs_hook=_no_duplicates,
                parse_constant=_reject_constant,
            )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg} (column {exc.colno})",
            source=source,
            line=line if line is not None else exc.lineno,
        ) from None
    except ValueError as exc:
        raise InputError(f"invalid JSON: {_plain(exc)}", source=source, line=line) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", source=source, line=line) from None
    if isinstance(text, str) and _SURROGATE_ESCAPE.search(text):
        refuse_surrogates(data, source, line)
    return data


def open_input(path: str, what: str) -> BinaryIO:
    """Open an input file for reading, or say in one line why it cannot be."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError("no such file", source=path) from None
    except IsADirectoryError:
        raise InputError(f"is a folder, not {what}", source=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=path) from None


MAX_PROFILE_BYTES = 16 << 20  # a profile is a few KB; a batch is read record by record


def read_bounded(handle: Any, source: str) -> bytes:
    """All of a profile's bytes, or one error for a file too large to be one (`/dev/zero`)."""
    try:
        raw: bytes = handle.read(MAX_PROFILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=source) from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise InputError(
            f"larger than {MAX_PROFILE_BYTES >> 20} MiB: not a profile (for many applicants "
            "use --batch, which reads one record at a time)",
            source=source,
        )
    return raw


AUTO = "auto"  # no encoding named: UTF-8 (a BOM is fine), else GBK where the bytes say so
READ_AS_GBK = Text(
    "资料文件不是 UTF-8 编码，已按 GBK（GB18030）读取；如有误请指定编码",
    "the profile file is not UTF-8: it was read as GBK (GB18030); name the encoding if "
    "that is wrong",
)


def load_profile(
    path: str, ruleset: Ruleset, stdin: bytes | None = None, encoding: str = AUTO
) -> Profile:
    """Read a profile file (or `-` with `stdin`) and check it. With no encoding named
    (`auto`), a file that is not UTF-8 but reads as Chinese GBK text (Excel and Notepad on
    Chinese Windows save it so) is read as GB18030, with a note saying so, as batch files
    are."""
    if path == "-":
        raw = stdin if stdin is not None else b""
        source = "<stdin>"
    else:
        with open_input(path, "a profile file") as handle:
            raw = read_bounded(handle, path)
        source = path
    if encoding != AUTO:
        text = read_text(raw, source, encoding)
    else:
        try:
            text = read_text(raw, source)
        except InputError:
            if not looks_like_gbk(raw):
                raise
            text = read_text(raw, source, "gb18030")
            found = build_profile(parse_document(text, source), ruleset, source)
            return found._replace(assumptions=(*found.assumptions, READ_AS_GBK))
    return build_profile(parse_document(text, source), ruleset, source)


def _line(container: Any, key: str | int | None = None) -> int | None:
    if isinstance(container, LineDict):
        return container.line_of(str(key)) if key is not None else container.line
    if isinstance(container, LineList):
        return container.line_of(key) if isinstance(key, int) else container.line
    return None


class _Bad(ValueError):
    """A value that does not fit its field; the caller adds file, line and field."""


Convert = Callable[[Any, Ruleset], Any]


class _Table(NamedTuple):
    """A field table (the applicant's or a fact kind's) as the reader uses it."""

    required: tuple[str, ...]  # names of the required fields
    defaults: dict[str, Any]  # default values (never changed: each profile copies it)
    convert: dict[str, Convert]  # per field, `_value` for it (see `_converter`)
    # The fields a product attribute of the same name gives when the fact leaves them out
    # (device_class, independent_ip): empty for most kinds, and for the applicant.
    shared: tuple[str, ...] = ()


def _field_table(specs: dict[str, FieldSpec], attributes: Container[str] = ()) -> _Table:
    required = tuple(name for name, spec in specs.items() if spec.required)
    defaults = {n: spec.default for n, spec in specs.items() if spec.default is not None}
    convert = {name: _converter(spec) for name, spec in specs.items()}
    shared = tuple(name for name in specs if name in attributes)
    return _Table(required, defaults, convert, shared)


_TABLES: dict[int, tuple[Any, _Table, dict[str, _Table]]] = {}


def _tables(vocab: Any) -> tuple[_Table, dict[str, _Table]]:
    """The applicant's field table and each fact kind's, worked out once per vocabulary."""
    entry = _TABLES.get(id(vocab))
    if entry is None or entry[0] is not vocab:
        kinds = {
            kind_id: _field_table(kind.fields, vocab.products)
            for kind_id, kind in vocab.kinds.items()
        }
        entry = _TABLES[id(vocab)] = (vocab, _field_table(vocab.applicant), kinds)
    return entry[1], entry[2]


def build_profile(data: Any, ruleset: Ruleset, source: str, line: int | None = None) -> Profile:
    """Check parsed profile data against the vocabulary and build a Profile."""
    if not isinstance(data, dict):
        raise InputError(
            f"a profile is a mapping with 'applicant' and 'facts', found {type_name(data)}",
            source=source,
            line=line,
        )

    def fail(message: str, field: str, where: Any = None, key: str | int | None = None) -> None:
        raise InputError(message, source=source, line=_line(where, key) or line, field=field)

    for key in data:
        if key not in TOP_KEYS:
            fail(
                f"unknown key '{key}'{suggest(str(key), TOP_KEYS)}",
                str(key),
                data,
                key,
            )
    if "applicant" not in data:
        fail("missing required key 'applicant'", "applicant", data)
    applicant_raw = data["applicant"]
    if not isinstance(applicant_raw, dict):
        fail(
            f"expected a mapping, found {type_name(applicant_raw)}", "applicant", data, "applicant"
        )
    vocab = ruleset.vocabulary
    specs = vocab.applicant
    (required, defaults, convert, _), kind_tables = _tables(vocab)
    applicant: dict[str, Any] = dict(defaults)
    for key, value in applicant_raw.items():
        to_value = convert.get(key)  # the field's `_value`
        if to_value is None:
            fail(
                f"unknown applicant field '{key}'{suggest(str(key), specs)}",
                f"applicant.{key}",
                applicant_raw,
                key,
            )
            continue
        try:
            applicant[key] = to_value(value, ruleset)
        except _Bad as exc:
            fail(str(exc), f"applicant.{key}", applicant_raw, key)
    for name in required:
        if name not in applicant_raw:
            fail(f"missing required field '{name}'", f"applicant.{name}", applicant_raw)

    products = _products(data, ruleset, source, line) if "products" in data else None
    facts_raw = data.get("facts", [])
    if facts_raw is None:
        facts_raw = []
    if not isinstance(facts_raw, list):
        fail(f"expected a list of facts, found {type_name(facts_raw)}", "facts", data, "facts")
    if len(facts_raw) > MAX_FACTS:
        fail(f"more than {MAX_FACTS} facts", "facts", data, "facts")
    lined = isinstance(facts_raw, LineList)
    facts = []
    legacy: list[str] = []
    for index, item in enumerate(facts_raw):
        where = (facts_raw.line_of(index) if lined else None) or line
        facts.append(_fact(item, index, ruleset, source, where, products, legacy, kind_tables))
    notes = (_legacy_note(legacy),) if legacy else ()
    # Profile(applicant, facts, source, line, assumptions, products), made as a Fact is
    return _new_tuple(Profile, (applicant, tuple(facts), source, line, notes, products))


# The note for the first three old-form facts and whether more follow: most batches hold a
# few forms only. Emptied when full, so that a batch of many kinds cannot fill memory.
_LEGACY_NOTES: dict[tuple[tuple[str, ...], bool], Text] = {}


def _legacy_note(legacy: list[str]) -> Text:
    key = (tuple(legacy[:3]), len(legacy) > 3)
    note = _LEGACY_NOTES.get(key)
    if note is None:
        if len(_LEGACY_NOTES) >= 1024:
            _LEGACY_NOTES.clear()
        note = _LEGACY_NOTES[key] = _legacy_text(legacy)
    return note


def _legacy_text(legacy: list[str]) -> Text:
    shown = "; ".join(legacy[:3]) + ("; …" if len(legacy) > 3 else "")
    return Text(
        f"资料使用旧写法（事实上的 product_type/modality/drug_class）：{shown}。"
        f"新写法：在 products 中声明产品（id、modality、novelty、drug_class），事实以 product: <id> 引用；"
        f"旧写法未说明的属性按未知处理（相关措施列为可能，最低 0）",
        f"the profile uses the old form (product_type/modality/drug_class on facts): {shown}. "
        f"New form: declare the product once under `products` (id, modality, novelty, "
        f"drug_class) and name it on each fact with `product: <id>`; an attribute the old form "
        f"does not give is unknown (measures that read it are possible, minimum 0)",
    )


def _products(
    data: dict[str, Any], ruleset: Ruleset, source: str, line: int | None
) -> dict[str, dict[str, Any]] | None:
    """The declared products, each as its attributes under `product.<name>` keys (the form
    a fact's values take them in), derived attributes included."""
    raw = data.get("products")
    if raw is None:
        return None
    lined = isinstance(raw, LineList)

    def fail(message: str, field: str, where: Any = None, key: str | int | None = None) -> Any:
        raise InputError(message, source=source, line=_line(where, key) or line, field=field)

    if not isinstance(raw, list):
        fail(f"expected a list of products, found {type_name(raw)}", "products", data, "products")
    specs = ruleset.vocabulary.products
    out: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(raw):
        path = f"products[{index}]"
        at = (raw.line_of(index) if lined else None) or line
        if not isinstance(item, dict):
            fail(
                f"a product is a mapping with an id and attributes, found {type_name(item)}",
                path,
                None,
            )
        pid = item.get("id")
        if not isinstance(pid, str | int) or isinstance(pid, bool) or str(pid).strip() == "":
            raise InputError(
                "missing required key 'id' (text)",
                source=source,
                line=_line(item, "id") or at,
                field=f"{path}.id",
            )
        pid = str(pid)
        if pid in out:
            raise InputError(
                f"duplicate product id '{pid}'",
                source=source,
                line=_line(item, "id") or at,
                field=f"{path}.id",
            )
        attrs: dict[str, Any] = {}
        for key, value in item.items():
            if key == "id":
                continue
            spec = specs.get(key)
            if spec is None:
                raise InputError(
                    f"unknown product attribute '{key}'{suggest(str(key), specs)}",
                    source=source,
                    line=_line(item, key) or at,
                    field=f"{path}.{key}",
                )
            try:
                attrs[key] = _value(spec, value, ruleset)
            except _Bad as exc:
                raise InputError(
                    str(exc), source=source, line=_line(item, key) or at, field=f"{path}.{key}"
                ) from None
        try:
            out[pid] = derived_attributes(attrs)
        except _Bad as exc:
            raise InputError(str(exc), source=source, line=at, field=path) from None
    return out


def derived_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """A product's attributes with what follows from them (a cell therapy is a drug; a
    class 1 drug is innovative, and the reverse), keyed `product.<name>`. An attribute
    that cannot apply (novelty of a device) is None: a condition on it fails."""
    modality = attrs.get("modality")
    implied = None
    if modality is not None:
        implied = "device" if modality in DEVICE_MODALITIES else "drug"
    elif any(attrs.get(k) is not None for k in DRUG_ONLY):
        implied = "drug"
    category = attrs.get("category")
    if category is not None and implied is not None and category != implied:
        what = f"modality '{modality}'" if modality is not None else "novelty or drug_class"
        raise _Bad(f"category '{category}' contradicts {what}")
    category = category or implied
    for key in DEVICE_ONLY:
        if attrs.get(key) is None:
            continue
        if category == "drug":  # the modality (or the category, or a drug's attribute) says so
            if modality is not None:
                what = f"its modality is '{modality}'"
            elif attrs.get("category") is not None:
                what = "its category is drug"
            else:
                what = "its novelty or drug_class makes it a drug"
            raise _Bad(f"'{key}' is for medical devices (modality device or ivd); {what}")
        category = "device"  # a device class says the product is a device
    out = dict(attrs)
    if category is not None:
        out["category"] = category
    if category == "device":
        for key in DRUG_ONLY:
            if attrs.get(key) is not None:
                raise _Bad(f"'{key}' is for drugs; this product is a device")
            out[key] = None
    if out.get("novelty") is None and out.get("drug_class") in CLASS_NOVELTY:
        out["novelty"] = CLASS_NOVELTY[out["drug_class"]]
    if out.get("drug_class") is None and out.get("novelty") in NOVELTY_CLASS:
        out["drug_class"] = NOVELTY_CLASS[out["novelty"]]
    return {
        PRODUCT_PREFIX + k: v
        for k, v in out.items()
        if k != "name" and (v is not None or k in DRUG_ONLY)
    }


# Fact(...) or Profile(...) with every field given by position: the tuple as the
# NamedTuple's __new__ makes it, without the Python-level call that only passes the values
# on. (A test checks that the records built so have all their fields.)
_new_tuple = tuple.__new__


def _fact_fail(
    message: str, item: Any, index: int, source: str, line: int | None, field: str, key: Any = None
) -> NoReturn:
    """Raise the error for fact `index`: `field` is the path below `facts[index]`."""
    raise InputError(
        message, source=source, line=_line(item, key) or line, field=f"facts[{index}]{field}"
    )


def _fact(
    item: Any,
    index: int,
    ruleset: Ruleset,
    source: str,
    line: int | None,
    products: dict[str, dict[str, Any]] | None = None,
    legacy: list[str] | None = None,
    kind_tables: dict[str, _Table] | None = None,
) -> Fact:
    if not isinstance(item, dict):
        _fact_fail(
            f"a fact is a mapping with kind, date and fields, found {type_name(item)}",
            item,
            index,
            source,
            line,
            "",
        )
    vocab = ruleset.vocabulary
    kinds = vocab.kinds
    kind_id = item.get("kind")
    if kind_id is None:
        _fact_fail("missing required key 'kind'", item, index, source, line, "")
    if not isinstance(kind_id, str) or kind_id not in kinds:
        _fact_fail(
            f"unknown fact kind '{kind_id}'{suggest(str(kind_id), kinds)}; "
            f"`policycalc facts` lists them",
            item,
            index,
            source,
            line,
            ".kind",
            "kind",
        )
    fields = kinds[kind_id].fields
    if "date" not in item:
        _fact_fail("missing required key 'date'", item, index, source, line, ".date")
    when = item["date"]
    # A day (not a year or a month) read before: its date as `_when` gave it then.
    date = _DAYS.get(when) if type(when) is str else None
    if date is not None:
        until = written = None
    else:
        try:
            date, until, written = _when(when)
        except _Bad as exc:
            _fact_fail(str(exc), item, index, source, line, ".date", "date")
        if until is None and type(when) is str:
            if len(_DAYS) >= 4096:  # a batch's days are a few hundred; bounded all the same
                _DAYS.clear()
            _DAYS[when] = date
    required, defaults, convert, shared = (kind_tables or _tables(vocab)[1])[kind_id]
    values: dict[str, Any] = dict(defaults)
    product = note = None
    old: dict[str, Any] | None = None  # product attributes given on the fact
    said_old = False  # in the old form (product_type, modality, drug_class)
    # Old-form keys with a plain valid value, in order, while `old` is still None: what they
    # say is taken from a cache after the loop (or folded into `old` when another product
    # attribute follows, which is what reading them one by one would have made of them).
    plain_old: tuple[tuple[str, Any], ...] = ()
    for key, value in item.items():
        to_value = convert.get(key)  # the field's `_value`
        if to_value is not None:
            try:
                values[key] = to_value(value, ruleset)
            except _Bad as exc:
                _fact_fail(str(exc), item, index, source, line, f".{key}", key)
        elif key in ("kind", "date"):
            continue
        elif key in LEGACY_KEYS:
            said_old = True
            exact, valid = _PLAIN_OLD[key]
            if old is None and type(value) is exact and value in valid:
                plain_old += ((key, value),)
                continue
            try:
                old = _old_form(key, value, _fold_old(old, plain_old))
            except _Bad as exc:
                _fact_fail(str(exc), item, index, source, line, f".{key}", key)
            plain_old = ()
        elif isinstance(key, str) and key.startswith(PRODUCT_PREFIX):
            # The product's attribute given on the fact itself (one-row-per-fact tables).
            name = key[len(PRODUCT_PREFIX) :]
            pspec = vocab.products.get(name)
            if pspec is None:
                _fact_fail(
                    f"a product has no attribute '{name}'{suggest(name, vocab.products)}",
                    item,
                    index,
                    source,
                    line,
                    f".{key}",
                    key,
                )
            try:
                old = dict(_fold_old(old, plain_old) or {}, **{name: _value(pspec, value, ruleset)})
            except _Bad as exc:
                _fact_fail(str(exc), item, index, source, line, f".{key}", key)
            plain_old = ()
        elif key in ("product", "note"):
            if not isinstance(value, str | int) or isinstance(value, bool):
                _fact_fail(
                    f"expected text, found {type_name(value)}",
                    item,
                    index,
                    source,
                    line,
                    f".{key}",
                    key,
                )
            try:
                _text(str(value))
            except _Bad as exc:
                _fact_fail(str(exc), item, index, source, line, f".{key}", key)
            if key == "product":
                product = str(value)
            else:
                note = str(value)
        else:
            choices = list(fields) + list(COMMON_FACT_KEYS)
            _fact_fail(
                f"fact kind '{kind_id}' has no field '{key}'{suggest(str(key), choices)}",
                item,
                index,
                source,
                line,
                f".{key}",
                key,
            )
    for name in required:
        if name not in item and not (
            name in shared and _product_gives(name, product, products, old)
        ):
            _fact_fail(
                f"missing required field '{name}' for kind '{kind_id}'",
                item,
                index,
                source,
                line,
                f".{name}",
            )
    if product is not None and products is not None:
        declared = products.get(product)
        if declared is None:
            _fact_fail(
                f"unknown product '{product}'{suggest(product, products)}; "
                f"declare it under `products`",
                item,
                index,
                source,
                line,
                ".product",
                "product",
            )
        values.update(declared)
    if plain_old or old is not None:
        said: str | None = None
        try:
            if plain_old:  # `old` is None: every old-form key was plain
                derived, said = _plain_old_attributes(plain_old)
            else:
                derived = derived_attributes(old)  # type: ignore[arg-type]
        except _Bad as exc:
            _fact_fail(str(exc), item, index, source, line, "")
        for key, value in derived.items():
            if key in values and values[key] != value:
                _fact_fail(
                    f"'{key[len(PRODUCT_PREFIX) :]}' {value} contradicts product '{product}' "
                    f"({values[key]})",
                    item,
                    index,
                    source,
                    line,
                    "",
                )
            values[key] = value
        if legacy is not None and said_old:
            if said is None:
                said = ", ".join(f"{k}: {item[k]}" for k in LEGACY_KEYS if k in item)
            legacy.append(f"facts[{index}] {said}")
    for name in shared:  # a field the product gives: its value where the fact leaves it out
        given = values.get(PRODUCT_PREFIX + name)
        if given is None:
            continue
        if name not in item:
            values[name] = given
        elif values[name] != given:
            if _product_gives(name, product, products, None):
                whose = f"product '{product}' ({name} {_shown(given)})"
            else:  # given as product.<name> on the fact itself
                whose = f"{PRODUCT_PREFIX}{name} {_shown(given)}"
            _fact_fail(
                f"{name} {_shown(values[name])} contradicts {whose}",
                item,
                index,
                source,
                line,
                f".{name}",
                name,
            )
    return _new_tuple(Fact, (index + 1, kind_id, date, values, product, note, line, until, written))


def _product_gives(
    name: str,
    product: str | None,
    products: dict[str, dict[str, Any]] | None,
    old: dict[str, Any] | None,
) -> bool:
    """Whether the fact's product (declared, or `product.<name>` on the fact) gives `name`."""
    if old is not None and old.get(name) is not None:
        return True
    declared = products.get(product) if products is not None and product is not None else None
    return declared is not None and declared.get(PRODUCT_PREFIX + name) is not None


def _shown(value: Any) -> str:
    """A field's value as a profile writes it (true/false for a flag)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


# The old-form values read without `_old_form`'s checks: (exact type, the valid values).
# A bool is no int here (type(True) is bool), as `_old_form` refuses it.
_PLAIN_OLD: dict[str, tuple[type, Container[Any]]] = {
    "product_type": (str, LEGACY_PRODUCT_TYPE),
    "modality": (str, LEGACY_MODALITY),
    "drug_class": (int, (1, 2, 3, 4, 5)),
}
# What plain old-form keys (in their order) say: the product's attributes as
# derived_attributes gives them (shared: callers read it, never change it) and the keys as
# the legacy note quotes them. A few thousand keys at most: the values are valid ones.
_OLD_SAID: dict[tuple[tuple[str, Any], ...], tuple[dict[str, Any], str]] = {}


def _fold_old(
    old: dict[str, Any] | None, plain: tuple[tuple[str, Any], ...]
) -> dict[str, Any] | None:
    """`old` with plain old-form keys read into it one by one, in order."""
    for key, value in plain:
        old = _old_form(key, value, old)
    return old


def _plain_old_attributes(plain: tuple[tuple[str, Any], ...]) -> tuple[dict[str, Any], str]:
    found = _OLD_SAID.get(plain)
    if found is None:
        attributes = derived_attributes(_fold_old(None, plain) or {})  # `_Bad` is not kept
        given = dict(plain)
        said = ", ".join(f"{k}: {given[k]}" for k in LEGACY_KEYS if k in given)
        found = _OLD_SAID[plain] = (attributes, said)
    return found


def _old_form(key: str, value: Any, old: dict[str, Any] | None) -> dict[str, Any]:
    """What an old-form key on a fact says about its product's attributes."""
    out = dict(old or {})
    if key == "drug_class":
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        if isinstance(value, bool) or value not in (1, 2, 3, 4, 5):
            raise _Bad(f"expected a drug registration class 1 to 5, found {value!r}")
        out["drug_class"] = value
        return out
    table = LEGACY_PRODUCT_TYPE if key == "product_type" else LEGACY_MODALITY
    if not isinstance(value, str) or value not in table:
        raise _Bad(
            f"unknown value '{value}'{suggest(str(value), table)}; "
            f"expected one of: {', '.join(table)}"
        )
    found = table[value]
    out.update(found if isinstance(found, dict) else {"modality": found})
    return out


# Dates written as days, as `_when` read them: the text to the date (see `_fact`).
_DAYS: dict[str, dt.date] = {}
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def _when(value: Any) -> tuple[dt.date, dt.date | None, str | None]:
    """A fact's date: a day, or an interval given as a year (2022) or a month (2022-05):
    (first day, last day or None for a day, the text as written for an interval)."""
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        # The common case, a plain YYYY-MM-DD day: straight to the date.
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass  # not a day after all: the full checks below say what it is
        else:
            if MIN_DATE <= day <= MAX_DATE:
                return day, None, None
    year = month = None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, str):
        if found := _YEAR.match(value):
            year = int(found.group(1))
        elif found := _MONTH.match(value):
            year, month = int(found.group(1)), int(found.group(2))
            if not 1 <= month <= 12:
                raise _Bad(f"'{value}' is not a month (YYYY-MM, month 1 to 12)")
    if year is None:
        return _date(value), None, None
    if not MIN_DATE.year <= year <= MAX_DATE.year:
        raise _Bad(f"year {year} is out of range ({MIN_DATE.year}–{MAX_DATE.year})")
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), str(year)
    last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(year, month, 1), last, f"{year}-{month:02d}"


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, int) and not isinstance(value, bool):
        if not MIN_DATE.year <= value <= MAX_DATE.year:
            raise _Bad(f"year {value} is out of range ({MIN_DATE.year}–{MAX_DATE.year})")
        return dt.date(value, 1, 1)
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _Bad(
                f"'{value}' is not a date (YYYY-MM-DD), a month (YYYY-MM) or a year"
            ) from None
    if not isinstance(value, dt.date):
        raise _Bad(f"expected a date (YYYY-MM-DD) or a year, found {type_name(value)}")
    if not MIN_DATE <= value <= MAX_DATE:
        raise _Bad(f"date {value} is out of range ({MIN_DATE}–{MAX_DATE})")
    return value


def _value(spec: FieldSpec, value: Any, ruleset: Ruleset) -> Any:
    """The value checked and converted for its field; `_Bad` says what is wrong."""
    t = spec.type
    if t == "bool":
        if not isinstance(value, bool):
            raise _Bad(f"expected true or false, found {type_name(value)}")
        return value
    if t in ("money", "count", "int") and isinstance(value, str) and _OTHER_BASE.fullmatch(value):
        raise _Bad(
            f"'{value}' is not a number in decimal digits (write 1000, or 1,000 for an amount)"
        )
    if t == "money":
        if isinstance(value, str) and (grouped := grouped_number(value)) is not None:
            value = grouped
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
            raise _Bad(f"expected an amount in 万元, found {type_name(value)}")
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not amount.is_finite():
            raise _Bad("expected a finite amount")
        if amount < 0:
            raise _Bad(f"an amount cannot be negative, found {amount}")
        if amount > MAX_AMOUNT:
            raise _Bad(f"amount {amount} 万元 is implausibly large (over {MAX_AMOUNT})")
        return amount
    if t == "count" or t == "int":
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"expected a whole number, found {type_name(value)}")
        if t == "count" and not 0 <= value <= MAX_COUNT:
            raise _Bad(f"expected a count from 0 to {MAX_COUNT}, found {value}")
        if spec.values is not None and value not in spec.values:
            raise _Bad(
                f"{value} is not allowed; expected one of: {', '.join(map(str, spec.values))}"
            )
        return value
    if t == "enum":
        assert spec.values is not None
        if isinstance(value, list | dict) or value not in spec.values:
            raise _Bad(
                f"unknown value '{value}'{suggest(str(value), map(str, spec.values))}; "
                f"expected one of: {', '.join(map(str, spec.values))}"
            )
        return value
    if t == "region":
        if not isinstance(value, str) or value not in ruleset.regions:
            raise _Bad(
                f"unknown region '{value}'{suggest(str(value), ruleset.regions)}; "
                f"`policycalc regions` lists them"
            )
        return value
    if t == "date":
        return _date(value)
    if t != "text":  # every field type is handled above: a new one is a type error here
        assert_never(t)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise _Bad(f"expected text, found {type_name(value)}")
    _text(value)
    return value


_MAX_AMOUNT_INT = int(MAX_AMOUNT)


def _converter(spec: FieldSpec) -> Convert:
    """`_value` for one field: `convert(value, ruleset)` is `_value(spec, value, ruleset)`.
    For the value a parsed file mostly holds (an int for a number, a str for an enum, a
    region or a text, a bool for a flag) a fast path returns at once what `_value` would
    return after its checks; anything else, every error included, goes to `_value`."""
    general: Convert = partial(_value, spec)
    t = spec.type
    allowed = spec.values
    if t == "bool":

        def flag(value: Any, ruleset: Ruleset) -> Any:
            if type(value) is bool:  # what isinstance(value, bool) accepts (bool has no subclass)
                return value
            return general(value, ruleset)

        return flag
    if t == "money":

        def money(value: Any, ruleset: Ruleset) -> Any:
            # An int in range: no text to read, finite, not negative, not too large: Decimal(it).
            if type(value) is int and 0 <= value <= _MAX_AMOUNT_INT:
                return Decimal(value)
            return general(value, ruleset)

        return money
    if t == "count":

        def count(value: Any, ruleset: Ruleset) -> Any:
            # An int (not a bool) in range and among the allowed values: itself.
            if (
                type(value) is int
                and 0 <= value <= MAX_COUNT
                and (allowed is None or value in allowed)
            ):
                return value
            return general(value, ruleset)

        return count
    if t == "int":

        def whole(value: Any, ruleset: Ruleset) -> Any:
            # An int (not a bool) among the allowed values: itself.
            if type(value) is int and (allowed is None or value in allowed):
                return value
            return general(value, ruleset)

        return whole
    if t == "enum":

        def choice(value: Any, ruleset: Ruleset) -> Any:
            # A str among the values: itself (the list/dict check is for other types).
            if type(value) is str and allowed is not None and value in allowed:
                return value
            return general(value, ruleset)

        return choice
    if t == "region":

        def region(value: Any, ruleset: Ruleset) -> Any:
            if type(value) is str and value in ruleset.regions:
                return value
            return general(value, ruleset)

        return region
    if t == "text":

        def text(value: Any, ruleset: Ruleset) -> Any:
            # ASCII text holds no surrogate: `_text` would find nothing.
            if type(value) is str and value.isascii():
                return value
            return general(value, ruleset)

        return text
    return general  # a date: `_value` sends it straight to `_date`


# What YAML 1.1, TOML or Python would read as a number a person did not write: 16:40
# (base 60), 0x3E8, 0o17, 0b101, 017, 1_000.
_OTHER_BASE = re.compile(
    r"\s*[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|0[xob][0-9a-fA-F_]+"
    r"|0[0-7]+|[0-9]+(?:_[0-9]+)+(?:\.[0-9_]+)?)\s*"
)


def _text(value: str) -> None:
    """Text a caller built (not read from a file) may hold a lone surrogate: refused."""
    found = SURROGATE.search(value)
    if found is not None:
        raise _Bad(f"text with a lone surrogate (\\u{ord(found.group()):04x}) is not allowed")
