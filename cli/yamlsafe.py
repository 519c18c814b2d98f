"""Safe YAML loading: no tags that build objects, exact decimals, line numbers, no duplicates.

Only `yaml.SafeLoader` is ever used. On top of it this loader
- reads numbers with a decimal point as `Decimal`, never float;
- refuses duplicate keys (YAML would silently keep the last);
- optionally refuses aliases, so a profile cannot be an alias bomb;
- records the line of every mapping and key, so errors can name them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode

from .errors import PolicycalcError
from .lines import LineDict, LineList

MAX_DEPTH = 64
# Characters one list item of a streamed batch may run on for before the list is given up:
# PyYAML's scanner holds a scalar whole while it reads it, so an item past its limit can
# still only be skipped by reading it; past this (or 4 times the record limit) the text is
# taken for no batch (an endless scalar), and memory stays bounded.
MAX_RUN_ON = 64 << 20
MAX_INT_CHARS = 100  # a number written longer than this is no amount, date or count
MAX_NODES = 1_000_000  # values a document may hold once its aliases are expanded
# Aliases may multiply what is written by ALIAS_RATIO at most, past ALIAS_FLOOR values: the
# bundled facts.yaml, the heaviest user of anchors, expands about 1.5 times; a 1.3 KB
# alias bomb of depth 5 expands some 200,000 times.
ALIAS_FLOOR = 20_000
ALIAS_RATIO = 10
_DECIMAL_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_SURROGATE = re.compile("[\\ud800-\\udfff]")


class _Constructors:
    """Constructors shared by the pure-Python loader and the libyaml-backed one."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineDict:
        if not isinstance(node, MappingNode):
            raise ConstructorError(None, None, "expected a mapping", node.start_mark)
        self.flatten_mapping(node)  # type: ignore[attr-defined]
        result = LineDict()
        result.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            if isinstance(key, bool) or key is None:
                key = str(key).lower() if key is not None else "null"
            if not isinstance(key, str | int):
                raise ConstructorError(
                    None, None, "a key must be a plain word or number", key_node.start_mark
                )
            key = str(key)
            if key in result:
                raise ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
            result[key] = self.construct_object(value_node, deep=True)  # type: ignore[attr-defined]
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_yaml_map(self, node: MappingNode) -> Any:
        yield self.construct_mapping(node, deep=True)

    def construct_yaml_seq(self, node: Node) -> Any:
        data = LineList()
        data.line = node.start_mark.line + 1
        yield data
        data.extend(self.construct_sequence(node, deep=True))  # type: ignore[attr-defined]
        data.item_lines = [child.start_mark.line + 1 for child in node.value]

    def construct_yaml_float(self, node: ScalarNode) -> Decimal | str:
        written = str(self.construct_scalar(node))  # type: ignore[attr-defined]
        if ":" in written or "_" in written:
            return written  # 1:30.5 (base 60), 1_000.5: as for integers above
        text = written
        if len(text) > MAX_INT_CHARS:
            raise ConstructorError(
                None, None, f"a number of {len(text):,} characters is too long", node.start_mark
            )
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise ConstructorError(None, None, f"'{text}' is not a finite number", node.start_mark)
        return value

    def construct_yaml_int(self, node: ScalarNode) -> Any:
        text = str(node.value)
        if not _DECIMAL_INT.fullmatch(text):
            # 16:40 (base 60), 0x3E8, 0o17, 0b101, 017 (octal), 1_000: YAML 1.1 reads each
            # as a number a person did not write. Kept as the text it is: a text field gets
            # it as written, a number field refuses it in one line.
            return text
        if len(text) > MAX_INT_CHARS:
            raise ConstructorError(
                None, None, f"a number of {len(text):,} characters is too long", node.start_mark
            )
        return super().construct_yaml_int(node)  # type: ignore[misc]

    def construct_yaml_str(self, node: ScalarNode) -> str:
        text: str = self.construct_scalar(node)  # type: ignore[attr-defined]
        found = _SURROGATE.search(text)
        if found is not None:  # "\ud800" in a quoted scalar: no output could encode it
            raise ConstructorError(
                None,
                None,
                f"text with a lone surrogate (\\u{ord(found.group()):04x}) is not allowed",
                node.start_mark,
            )
        return text

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[misc]
        except ValueError as exc:  # 2021-02-30 looks like a date but is none
            raise ConstructorError(
                None, None, f"'{node.value}' is not a valid date ({exc})", node.start_mark
            ) from None


def _register(cls: Any) -> None:
    cls.add_constructor("tag:yaml.org,2002:map", cls.construct_yaml_map)
    cls.add_constructor("tag:yaml.org,2002:seq", cls.construct_yaml_seq)
    cls.add_constructor("tag:yaml.org,2002:float", cls.construct_yaml_float)
    cls.add_constructor("tag:yaml.org,2002:timestamp", cls.construct_yaml_timestamp)
    cls.add_constructor("tag:yaml.org,2002:int", cls.construct_yaml_int)
    cls.add_constructor("tag:yaml.org,2002:str", cls.construct_yaml_str)


class _TooBig(Exception):
    """A list item grew past its limit (or used an alias) while `depth` of its collections
    were open: the rest of it is skipped, event by event."""

    def __init__(self, depth: int, problem: str = "", mark: Any = None) -> None:
        super().__init__(depth)
        self.depth = depth
        self.problem = problem
        self.mark = mark


class _RunsOn(yaml.YAMLError):
    """A streamed list item that has no end in sight: the list is given up."""


class _Loader(_Constructors, yaml.SafeLoader):  # type: ignore[misc]
    allow_aliases = True
    item_limit: int | None = None  # characters one list item may take (streamed batches)
    item_start = 0

    def update(self, length: int) -> None:
        """The reader's refill (every 64 KiB or so): in a streamed list, stop at an item
        that runs on past MAX_RUN_ON characters (or 4 times its limit)."""
        super().update(length)
        if self.item_limit is not None:
            run_on = max(MAX_RUN_ON, 4 * self.item_limit)
            if self.index - self.item_start > run_on:
                raise _RunsOn(run_on)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        depth = getattr(self, "_depth", 0)
        if not self.allow_aliases and self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            if self.item_limit is not None:  # a streamed list: only this item is lost
                raise _TooBig(depth, "aliases (*name) are not allowed here", event.start_mark)
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed here", event.start_mark
            )
        if depth > MAX_DEPTH:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            problem = f"nested more than {MAX_DEPTH} levels deep"
            if self.item_limit is not None:
                raise _TooBig(depth, problem, event.start_mark)
            raise yaml.MarkedYAMLError(None, None, problem, event.start_mark)
        if self.item_limit is not None:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            if event.start_mark.index - self.item_start > self.item_limit:
                raise _TooBig(depth)
            anchor = getattr(event, "anchor", None)
            if anchor is not None and anchor in self.anchors:
                # Reused within the item (each item starts with no anchors): only it is lost.
                problem = f"the anchor &{anchor} is defined twice"
                raise _TooBig(depth, problem, event.start_mark)
        self._depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth


_register(_Loader)

# libyaml, where present, parses trusted policy data (aliases allowed there) several times
# faster; profiles always go through the strict pure-Python loader above.
_FastLoader: Any = None
if hasattr(yaml, "CSafeLoader"):

    class _CLoader(_Constructors, yaml.CSafeLoader):  # type: ignore[misc]
        pass

    _register(_CLoader)
    _FastLoader = _CLoader


class _StrictLoader(_Loader):
    allow_aliases = False


def load_yaml(
    text: str,
    source: str,
    *,
    allow_aliases: bool = True,
    error: type[PolicycalcError],
    fast: bool = False,
) -> Any:
    """Parse YAML text safely. Any problem raises `error` with the file and line.

    `fast` uses libyaml when present (policy data); profiles keep the strict loader, which
    refuses aliases and deep nesting.
    """
    loader_cls: Any = _Loader if allow_aliases else _StrictLoader
    if fast and allow_aliases and _FastLoader is not None:
        loader_cls = _FastLoader
    loader = None
    try:
        loader = loader_cls(text)
        data = loader.get_single_data()
        if allow_aliases:
            _check_expansion(data, source, error)
        return data
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in problem:
            problem = "tags such as " + problem.split("tag ")[-1] + " are not allowed"
        raise error(f"invalid YAML: {problem}", source=source, line=line) from None
    except yaml.reader.ReaderError as exc:
        raise error(
            f"invalid YAML: character #x{exc.character:04x} is not allowed "
            f"(position {exc.position})",
            source=source,
        ) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", source=source) from None
    except RecursionError:
        raise error("invalid YAML: nested too deeply", source=source) from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_expansion(data: Any, source: str, error: type[PolicycalcError]) -> None:
    """Refuse a document whose aliases expand to more than MAX_NODES values (an "alias
    bomb": 1.4 KB that would print, compare or copy as hundreds of millions). Each distinct
    value is visited once, so this costs nothing for honest data."""
    sizes: dict[int, int] = {}
    written = 0  # values as written: each distinct collection and its direct children
    pending: list[tuple[Any, bool]] = [(data, False)]
    while pending:
        value, done = pending.pop()
        if not isinstance(value, dict | list) or (not done and id(value) in sizes):
            continue
        children = list(value.values()) if isinstance(value, dict) else value
        if not done:
            sizes[id(value)] = 0  # in progress (an alias cycle counts once)
            pending.append((value, True))
            pending.extend((child, False) for child in children)
            continue
        total = 1 + sum(sizes.get(id(c), 1) for c in children)
        written += 1 + len(children)
        if total > MAX_NODES:
            raise error(
                f"invalid YAML: its aliases expand to more than {MAX_NODES:,} values",
                source=source,
            )
        sizes[id(value)] = total
    expanded = sizes.get(id(data), 1)
    if expanded > ALIAS_FLOOR and expanded > ALIAS_RATIO * written:
        raise error(
            f"invalid YAML: its aliases expand {written:,} written values to {expanded:,} "
            f"(more than {ALIAS_RATIO} times; an alias bomb?)",
            source=source,
        )


def is_finite_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    return False


def iter_yaml_list(
    stream: Any, source: str, limit: int, error: type[PolicycalcError]
) -> Iterator[tuple[int | None, Any, PolicycalcError | None]]:
    """The items of a YAML list read from `stream`, composed and built one at a time, so
    memory holds one item: (line, data, None), or (line, None, why) for an item that is
    invalid or longer than `limit` characters. Aliases are refused. A syntax error ends the
    list there (the items after it cannot be found), as one error."""
    from yaml.events import (
        CollectionEndEvent,
        CollectionStartEvent,
        DocumentStartEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    try:  # the reader looks at the first characters at once (NUL bytes: an error)
        loader = _StrictLoader(stream)
    except yaml.reader.ReaderError as exc:
        what = f"character #x{exc.character:04x} is not allowed (position {exc.position})"
        yield None, None, error(f"invalid YAML: {what}", source=source)
        return
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        yield None, None, error(f"invalid YAML: {exc}", source=source)
        return
    line: int | None = None
    try:
        loader.get_event()  # type: ignore[no-untyped-call]  # the start of the stream
        if loader.check_event(DocumentStartEvent):
            loader.get_event()  # type: ignore[no-untyped-call]
        if not loader.check_event(SequenceStartEvent):
            raise error("a YAML batch is a list of profiles (- applicant: ...)", source=source)
        loader.get_event()  # type: ignore[no-untyped-call]
        while not loader.check_event(SequenceEndEvent):
            event = loader.peek_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1
            loader.item_start = event.start_mark.index
            loader.item_limit = limit
            loader._depth = 0
            loader.anchors = {}  # an anchor name may be used again in a later item
            try:
                node = loader.compose_node(None, None)
            except _TooBig as big:
                depth = big.depth  # skip the rest of the item, event by event
                # depth 0: the item itself, an alias or a collection with a reused anchor
                opened = loader.get_event() if depth == 0 else None  # type: ignore[no-untyped-call]
                if isinstance(opened, CollectionStartEvent):
                    depth = 1
                while depth > 0:
                    skipped = loader.get_event()  # type: ignore[no-untyped-call]
                    if isinstance(skipped, CollectionStartEvent):
                        depth += 1
                    elif isinstance(skipped, CollectionEndEvent):
                        depth -= 1
                if big.problem:
                    at = big.mark.line + 1 if big.mark is not None else line
                    yield line, None, error(f"invalid YAML: {big.problem}", source=source, line=at)
                    continue
                yield line, None, _too_long(limit, source, line, error)
                continue
            if node is not None and node.end_mark.index - loader.item_start > limit:
                # one scalar past the limit (no node of the item started past it)
                yield line, None, _too_long(limit, source, line, error)
                continue
            try:
                data = loader.construct_document(node)
            except yaml.MarkedYAMLError as exc:
                yield line, None, _marked(exc, source, error)
                continue
            except RecursionError:
                yield line, None, error("invalid YAML: nested too deeply", source=source, line=line)
                continue
            yield line, data, None
    except yaml.MarkedYAMLError as exc:
        problem = _marked(exc, source, error)
        problem.message += "; the items after it cannot be read"
        yield problem.line, None, problem
    except _RunsOn as exc:
        problem = error(
            f"a list item runs on for more than {exc.args[0]:,} characters: this is not a "
            "batch of profiles; reading stopped",
            source=source,
            line=line,
        )
        yield line, None, problem
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        yield (
            line,
            None,
            error(
                f"invalid YAML: {exc}; the items after it cannot be read", source=source, line=line
            ),
        )
    finally:
        loader.dispose()


def _too_long(
    limit: int, source: str, line: int | None, error: type[PolicycalcError]
) -> PolicycalcError:
    return error(
        f"record longer than {limit:,} characters (raise the limit with --max-record-size)",
        source=source,
        line=line,
    )


def _marked(
    exc: yaml.MarkedYAMLError, source: str, error: type[PolicycalcError]
) -> PolicycalcError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem or exc.context or "invalid YAML"
    if "could not determine a constructor" in problem:
        problem = "tags such as " + problem.split("tag ")[-1] + " are not allowed"
    return error(f"invalid YAML: {problem}", source=source, line=line)
