"""Names that must be unique (table ids, labels, figure ids): one problem for each repeat, naming the first."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Protocol

from ..model import Problem, Source


class Placed(Protocol):
    source: Source


def repeats(things: Iterable[Placed], key: Callable[[Placed], Hashable], message: Callable[[Placed, Source], str],
            hint: str) -> list[Problem]:
    """A problem at each thing whose ``key`` an earlier thing has: ``message(thing, where the first one is)``."""
    first: dict[Hashable, Source] = {}
    problems = []
    for thing in things:
        name = key(thing)
        if name in first:
            problems.append(Problem(thing.source, message(thing, first[name]), hint=hint))
        else:
            first[name] = thing.source
    return problems
