"""The two building blocks of the model, with no imports of their own: `record` and `Text`.

They live apart from model.py so that the formula kinds (formulas.py), which model.py's
measures hold, can use them without an import cycle.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, TypeVar, dataclass_transform

Lang = Literal["zh", "en"]

# Scripts start the command once per applicant, so defining the model must cost little: a
# dataclass compiles several methods per class at import, a NamedTuple evaluates one. The
# records built while loading policy data (and then served from the cache) use `record`,
# which defines nothing per class; those built on every run (texts, facts, amounts) stay
# NamedTuples, which are faster to create.

T = TypeVar("T")
_NO_DEFAULT: Any = object()


def _frozen(self: Any, name: str, value: Any = None) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable; cannot set '{name}'")


def _fields(cls: type) -> tuple[str, ...]:
    """The annotated names of a class and its bases, base first; class variables excluded."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        annotations = klass.__dict__.get("__annotations__", {})  # noqa: RUF063 (no inspect import)
        for name, annotation in annotations.items():
            if name not in names and not str(annotation).startswith(
                ("ClassVar", "typing.ClassVar")
            ):
                names.append(name)
    return tuple(names)


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """An immutable record with keyword or positional construction and defaults; fields of a
    record base class come first."""
    names = _fields(cls)
    defaults: dict[str, Any] = {}
    for name in names:
        for klass in cls.__mro__:
            if name in klass.__dict__:
                defaults[name] = klass.__dict__[name]
                break

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} arguments")
        values = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names or key in values:
                raise TypeError(f"{cls.__name__}() got an unexpected argument '{key}'")
            values[key] = value
        state = self.__dict__
        for name in names:
            value = values.get(name, defaults.get(name, _NO_DEFAULT))
            if value is _NO_DEFAULT:
                raise TypeError(f"{cls.__name__}() is missing '{name}'")
            state[name] = value

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={self.__dict__.get(n)!r}" for n in names)
        return f"{cls.__name__}({inner})"

    cls.__init__ = __init__  # type: ignore[method-assign]
    cls.__repr__ = __repr__  # type: ignore[method-assign]
    cls.__setattr__ = _frozen  # type: ignore[method-assign]
    cls.__delattr__ = _frozen  # type: ignore[method-assign]
    return cls


class Text(NamedTuple):
    """A short text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en
