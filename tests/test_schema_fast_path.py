"""The schema fast path (jsonschema-rs) never calls a table valid that jsonschema would not."""

from __future__ import annotations

import copy
import datetime
import random
import sys
from pathlib import Path

import jsonschema
import yaml

from conftest import ROOT
from surveybuild.readers.tableread import _fast_validator, schema

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402


def _tables(tmp_path: Path) -> list[dict]:
    generate(tmp_path / "s", rows=40, entries=120)
    paths = sorted((tmp_path / "s" / "tables").glob("*.yaml")) + sorted(ROOT.glob("tables/*.yaml")) \
        + sorted(ROOT.glob("tests/fixtures/*/tables/*.yaml"))
    return [yaml.load(p.read_text("utf-8"), Loader=yaml.SafeLoader) for p in paths]  # noqa: S506 - the safe loader


def _agrees(data: object) -> bool | None:
    """The fast answer, checked against jsonschema's (None when it stepped aside)."""
    errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(data))
    try:
        fast = _fast_validator().is_valid(data)
    except (ValueError, TypeError):
        return None
    if not fast and not errors and _has_nan(data):
        return None  # jsonschema-rs calls a NaN no number: the slow path (jsonschema) decides, as it must
    assert fast == (not errors), (data, [e.message for e in errors])
    return fast


def _has_nan(value: object) -> bool:
    if isinstance(value, float):
        return value != value
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    return isinstance(value, list) and any(_has_nan(v) for v in value)


def test_clean_tables_are_proved_valid_without_jsonschema(tmp_path):
    tables = [t for t in _tables(tmp_path) if isinstance(t, dict) and
              not list(jsonschema.Draft202012Validator(schema()).iter_errors(t))]
    assert len(tables) >= 6
    for table in tables:
        assert _fast_validator().is_valid(table) is True


_ODD = [None, True, 1, 2.5, "x", "Bad Key", "-x", [], ["a"], [1], {}, {"a": "b"}, {1: "x"}, {"a": ["b"]},
        datetime.date(2024, 1, 1), "long", "float", "nope", "12cm", "12 cm", "tab", float("nan")]


def _mutate(value: object, rng: random.Random) -> object:
    """``value`` with one random change somewhere inside it."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        choice = rng.random()
        if choice < 0.15:
            del value[key]
        elif choice < 0.25:
            value[rng.choice(["extra", "Title", "cite", "notes", "group", "subrows", 7])] = rng.choice(_ODD)
        else:
            value[key] = _mutate(value[key], rng)
        return value
    if isinstance(value, list) and value and rng.random() < 0.8:
        i = rng.randrange(len(value))
        if rng.random() < 0.1:
            del value[i]
        else:
            value[i] = _mutate(value[i], rng)
        return value
    return copy.deepcopy(rng.choice(_ODD))


def test_random_breakage_is_never_called_valid(tmp_path):
    rng = random.Random(6)
    tables = [t for t in _tables(tmp_path) if isinstance(t, dict)]
    answers = []
    for _ in range(1500):
        data = _mutate(copy.deepcopy(rng.choice(tables)), rng)
        for _ in range(rng.randint(0, 2)):
            data = _mutate(data, rng) if isinstance(data, (dict, list)) else data
        answers.append(_agrees(data))
    assert answers.count(False) > 300 and answers.count(True) > 100  # both answers were exercised
