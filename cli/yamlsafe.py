"""Safe YAML loading: no tags that build objects, exact decimals, line numbers, no duplicates.

Only `yaml.SafeLoader` is ever used. On top of it this loader
- reads numbers with a decimal point as `Decimal`, never float;
- refuses duplicate keys (YAML would silently keep the last);
- optionally refuses aliases, so a profile cannot be an alias bomb;
- records the line of every mapping and key, so errors can name them.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode

from .errors import PolicycalcError
from .lines import LineDict, LineList

MAX_DEPTH = 64


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

    def construct_yaml_float(self, node: ScalarNode) -> Decimal:
        text = str(self.construct_scalar(node)).replace("_", "")  # type: ignore[attr-defined]
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise ConstructorError(None, None, f"'{text}' is not a finite number", node.start_mark)
        return value

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


class _Loader(_Constructors, yaml.SafeLoader):  # type: ignore[misc]
    allow_aliases = True

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if not self.allow_aliases and self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed here", event.start_mark
            )
        depth = getattr(self, "_depth", 0)
        if depth > MAX_DEPTH:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
            )
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
        return loader.get_single_data()
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
