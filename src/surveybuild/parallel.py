"""A slow function over a long list, on the machine's other cores: forked worker processes, results in order.

Used for the README's reference list (pybtex formats about a thousand entries a second).
``fn`` takes a list and returns one result per item, in order. Only the ``fork`` start
method is used: a forked worker has every module already imported, while a fresh
interpreter would import them again and lose the gain; where ``fork`` is missing, or a
worker cannot be started, everything runs in this process. Nothing here changes a result,
only when and where it is computed.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future
from typing import Callable, Hashable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and cores() > 1


def _pool(workers: int):
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def map_split(fn: Callable[[list[T]], list[R]], items: Sequence[T], min_items: int) -> list[R]:
    """``fn(items)``, split over the cores when there are at least ``min_items`` (this process does a share)."""
    n = min(cores(), len(items) // max(1, min_items // 2)) if can_fork() else 1
    if len(items) < min_items or n < 2:
        return fn(list(items))
    chunks = [list(items[i::n]) for i in range(n)]  # interleaved: long and short items spread evenly
    try:
        with _pool(n - 1) as pool:
            futures = [pool.submit(fn, chunk) for chunk in chunks[1:]]
            done = [fn(chunks[0])] + [f.result() for f in futures]
    except (OSError, RuntimeError):  # no process could be started (a sandbox, a limit): one core then
        return fn(list(items))
    out: list = [None] * len(items)
    for i, results in enumerate(done):
        out[i::n] = results
    return out


class Ahead:
    """``fn`` over ``items`` in a worker process, started now, while this process does other work.

    :meth:`results` then takes what the worker did; this process does the chunks the worker
    has not started yet (from the end of the list, while the worker goes on from the front)
    and the items nobody foresaw. A chunk the worker failed on is done again here, so an
    error is raised only for an item that is asked for, as it would be without the worker.
    """

    def __init__(self, fn: Callable[[list[T]], list[R]], items: Sequence[T], key: Callable[[T], Hashable],
                 chunk: int = 0):
        self.fn = fn
        self.key = key
        # small chunks near the end of a short list: what this process cannot take from the worker stays small
        chunk = chunk or max(4, min(32, len(items) // 32))
        self.chunks = [list(items[i:i + chunk]) for i in range(0, len(items), chunk)]
        self.out: dict = {}
        self.pool = _pool(1)
        self.futures: list[Future] = [self.pool.submit(fn, c) for c in self.chunks]

    def results(self, needed: Sequence[T]) -> list[R]:
        """``fn``'s result for each of ``needed``, in order (may be called again: what is missing is done here)."""
        out = self.out
        if self.pool is not None:
            want = {self.key(x) for x in needed}
            foreseen = {self.key(x) for chunk in self.chunks for x in chunk}
            self._here([x for x in needed if self.key(x) not in foreseen])
            for chunk, future in reversed(list(zip(self.chunks, self.futures))):
                if future.cancel():  # not started: do it here
                    self._here([x for x in chunk if self.key(x) in want])
            for chunk, future in zip(self.chunks, self.futures):
                if future.cancelled():
                    continue
                try:
                    out.update(zip(map(self.key, chunk), future.result()))
                except Exception:  # the worker failed: do the chunk here, where its error (if any) is raised
                    self._here([x for x in chunk if self.key(x) in want])
            self.close()
        self._here([x for x in needed if self.key(x) not in out])
        return [out[self.key(x)] for x in needed]

    def _here(self, items: list[T]) -> None:
        if items:
            self.out.update(zip(map(self.key, items), self.fn(items)))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    @classmethod
    def start(cls, fn, items: Sequence[T], key, min_items: int) -> Ahead | None:
        """An :class:`Ahead`, or ``None`` when the list is short or no worker can be started."""
        if len(items) < min_items or not can_fork():
            return None
        try:
            return cls(fn, items, key)
        except (OSError, RuntimeError):
            return None
