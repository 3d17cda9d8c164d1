"""The README's reference list: the same text formatted in one process, split over cores, started ahead, or memoised."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT
from surveybuild import build, cache, parallel, read, references
from surveybuild.model import BibEntry, Source
from surveybuild.references import Memo, format_references

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

BROKEN = BibEntry("broken", "article", (("title", "No journal"),), Source("refs.bib", 9))


@pytest.fixture(scope="module")
def entries(tmp_path_factory) -> list[BibEntry]:
    folder = tmp_path_factory.mktemp("refs") / "s"
    generate(folder, rows=10, entries=120)
    bib = list(read.read_survey(folder).bib)
    return bib[:90] + [BROKEN] + bib[90:]


@pytest.fixture(scope="module")
def serial(entries):
    return format_references(entries)  # under PARALLEL_MIN: one process


def test_a_broken_entry_is_a_problem_not_a_crash(serial):
    formatted, problems = serial
    assert "broken" not in formatted and len(formatted) == 120
    assert [p.source for p in problems] == [BROKEN.source]
    assert "entry 'broken' cannot be formatted for the reference list: " in str(problems[0])


def test_split_over_cores_gives_the_same_list(entries, serial, monkeypatch):
    monkeypatch.setattr(references, "PARALLEL_MIN", 10)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    out, problems = format_references(entries)
    assert list(out.items()) == list(serial[0].items()) and problems == serial[1]


def test_started_ahead_gives_the_same_list_whatever_was_foreseen(entries, serial, monkeypatch):
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    foreseen = entries[40:] + [entries[0]]  # a guess: most, and one the list does not ask for first
    started = parallel.Ahead.start(references.format_chunk, foreseen, key=references._key, min_items=10)
    assert started is not None
    out, problems = format_references(entries[1:], started=started)  # one foreseen entry is never asked for
    expected = {k: v for k, v in serial[0].items() if k != entries[0].key}
    assert list(out.items()) == list(expected.items()) and problems == serial[1]
    again, _ = format_references(entries[:5], started=started)  # asked again, after the worker is gone
    assert again == {e.key: serial[0][e.key] for e in entries[:5]}


def test_the_memo_is_used_and_only_for_the_same_entry(entries, serial):
    memo = Memo()
    format_references(entries, memo)
    assert len(memo.used) == 120
    changed = BibEntry(entries[0].key, entries[0].type, entries[0].fields + (("note", "Edited"),), entries[0].source)
    remembered = Memo({references.entry_digest(e): "REMEMBERED" for e in entries[1:]})
    out, _ = format_references([changed] + entries[1:], remembered)
    assert out[changed.key] != "REMEMBERED" and "Edited" in out[changed.key]
    assert set(out.values()) == {"REMEMBERED", out[changed.key]}


def test_a_rebuild_after_an_edit_uses_the_memo_and_writes_the_same_readme(tmp_path):
    survey = tmp_path / "s"
    generate(survey, rows=20, entries=80)
    assert build.build(survey).ok
    known = cache.known_references(survey)
    assert known, "the build keeps the formatted references"
    readme = (survey / "README.md").read_bytes()
    (survey / "refs.bib").write_text((survey / "refs.bib").read_text("utf-8") + "\n% an edit\n", "utf-8")
    memo = Memo(known)
    _, outputs, report = build.plan(survey, memo)
    assert report.ok and outputs["README.md"].encode("utf-8") == readme
    assert memo.used and set(memo.used.items()) <= set(known.items())


def test_the_memo_of_other_code_is_ignored(tmp_path, monkeypatch):
    survey = tmp_path / "s"
    generate(survey, rows=20, entries=80)
    assert build.build(survey).ok
    assert cache.known_references(survey)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another version")
    assert cache.known_references(survey) == {}
