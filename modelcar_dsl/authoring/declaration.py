"""What `@task` and `@pipeline` return: the spec, plus the decorated function's identity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar


class _Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def source(self) -> str: ...


SpecT = TypeVar("SpecT", bound=_Named)


class Declaration(Generic[SpecT]):
    """Keeps the function's name, module and docstring, so it still reads as the user wrote it."""

    def __init__(self, spec: SpecT, function: Callable[..., Any]) -> None:
        self.spec = spec
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__
        self.__module__ = function.__module__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec.name} from {self.spec.source}>"
