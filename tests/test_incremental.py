"""What a build keeps in .surveybuild-cache/ to rebuild faster after an edit: a rebuild that uses it
writes what a cold build of the same sources writes, reports the same problems, and a cache that is not
exactly what a build wrote is ignored. No timing here: see benchmarks/styles.py."""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, edit
from surveybuild.build import cache
from surveybuild.build import pipeline
from surveybuild.readers import bibmemo, read

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

#: An entry whose url has no scheme and that has no author, and a work under two keys: warnings of the bib
#: reader and of the bib checks, placed on the entries' lines.
LOOSE_URL = ("\n@misc{looseurl,\n  title = {Loose},\n  url = {www.example.org/loose},\n  year = {2020}\n}\n"
             "@article{twice1,\n  author = {A. Author},\n  title = {One Work Under Two Keys},\n  year = {2021}\n}\n"
             "@inproceedings{twice2,\n  author = {A. Author},\n  title = {One work under two keys},\n"
             "  year = {2021}\n}\n")


@pytest.fixture
def survey(tmp_path) -> Path:
    generate(tmp_path / "s", rows=30, entries=100)
    with open(tmp_path / "s" / "refs.bib", "a", encoding="utf-8") as handle:
        handle.write(LOOSE_URL)
    return tmp_path / "s"


def outputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".surveybuild-cache" not in p.parts}


def cold(survey: Path, tmp_path: Path) -> tuple[dict[str, bytes], list[str]]:
    """What a build of the same sources writes and says in a fresh copy, without any cache."""
    fresh = tmp_path / "cold"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(survey, fresh, ignore=shutil.ignore_patterns(".surveybuild-cache", "README.md", "schema",
                                                                 "tables"))
    shutil.copytree(survey / "tables", fresh / "tables")
    report = pipeline.build(fresh)
    assert report.ok, "\n".join(map(str, report.problems))
    return outputs(fresh), sorted(map(str, report.problems))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(bibmemo, "CHUNK", 100)  # the generated bib's 103 entries in two records


def count_parses(monkeypatch) -> list[int]:
    calls = [0]
    parse = read._parse_bibs

    def counted(*args, **kwargs):
        calls[0] += 1
        return parse(*args, **kwargs)
    monkeypatch.setattr(read, "_parse_bibs", counted)
    return calls


def built_twice(survey: Path):
    """A build, then a one-row edit's build: the bib unchanged, so the second build keeps it and the references
    in surveybuild's own layout (the first does not)."""
    first = pipeline.build(survey)
    assert first.ok and not (survey / cache.BIB).exists()  # a first build writes no bib cache
    assert not (survey / cache.styled_path("")).exists()
    edit(survey / "tables" / "methods.yaml", "name: 'MET-0001'", "name: 'MET-WARM'")
    second = pipeline.build(survey)
    assert second.ok and (survey / cache.BIB).is_file()
    return second


def test_a_one_row_edit_reads_the_bib_from_the_cache_and_builds_what_a_cold_build_builds(survey, tmp_path,
                                                                                         monkeypatch):
    first = built_twice(survey)
    assert len(cache.stored_bib(survey)) == 1 + 2  # the header, then 103 entries by chunks of 100 (below)
    assert any("looseurl" in str(p) and "refs.bib:" in str(p) for p in first.problems)
    edit(survey / "tables" / "methods.yaml", "name: 'MET-0000'", "name: 'MET-EDITED'")
    calls = count_parses(monkeypatch)
    again = pipeline.build(survey)
    assert calls[0] == 0  # the bib came from the cache
    assert again.ok and "README.md" in again.written
    expected, said = cold(survey, tmp_path)
    assert calls[0] == 1  # the cold build parsed it
    assert outputs(survey) == expected and b"MET-EDITED" in expected["README.md"]
    assert sorted(map(str, again.problems)) == said  # the cached warning, at its file:line, as a cold build says it
    assert any("looseurl" in p and "refs.bib:" in p for p in said)
    assert any("'twice2' is the same work as 'twice1'" in p for p in said)
    assert any("'looseurl' has no author" in p for p in said)


def test_an_edited_bib_is_read_again(survey, tmp_path, monkeypatch):
    built_twice(survey)
    kept = (survey / cache.BIB).read_bytes()
    edit(survey / "refs.bib", "title = {Loose}", "title = {Tightened}")
    calls = count_parses(monkeypatch)
    assert pipeline.build(survey).ok
    assert calls[0] == 1
    assert outputs(survey) == cold(survey, tmp_path)[0]
    # the bib the last build kept is not this one, and this build, the first to read the edited bib, keeps nothing
    assert (survey / cache.BIB).read_bytes() == kept
    calls[0] = 0
    edit(survey / "tables" / "methods.yaml", "name: 'MET-0000'", "name: 'MET-EDITED'")
    assert pipeline.build(survey).ok and calls[0] == 1
    assert (survey / cache.BIB).read_bytes() != kept  # the second build to find it unchanged keeps it
    edit(survey / "tables" / "methods.yaml", "name: 'MET-EDITED'", "name: 'MET-AGAIN'")
    assert pipeline.build(survey).ok and calls[0] == 1  # and the next one reads it from there


def _tamper(records: list, how: str) -> tuple:
    records = tuple(records)
    """The cache file's records (a header, then the entries by chunks), changed in one way."""
    (fmt, digest, hazards, problems, macros, n, count), (entries, facts) = records[0], records[1]
    k, keys, types, paths, names, values, lines, cols, counts = entries
    header, rest = records[0], records[2:]
    if how == "other-key":
        return ((fmt, "0" * 64, hazards, problems, macros, n, count),) + records[1:]
    if how == "a-line-that-is-text":
        entries = (k, keys, types, paths, names, values, ("1",) + lines[1:], cols, counts)
    elif how == "one-value-too-many":
        entries = (k, keys, types, paths, names, values + "\x00extra", lines, cols, counts)
    elif how == "a-problem-of-another-shape":
        header = (fmt, digest, hazards, problems + (("refs.bib", 1),), macros, n, count)
    elif how == "a-severity-that-is-not-one":
        header = (fmt, digest, hazards, tuple((*p[:4], "fatal", p[5]) for p in problems), macros, n, count)
    elif how == "an-object-not-a-record":
        entries = {"entries": list(entries)}
    elif how == "a-missing-field-that-is-none":
        facts = facts[:3] + ("volume" + facts[3],)
    elif how == "facts-for-fewer-entries":
        facts = (facts[0].split("\x00", 1)[1],) + facts[1:]
    elif how == "a-record-missing":
        return records[:-1]
    elif how == "more-entries-said":
        header = (fmt, digest, hazards, problems, macros, n + 1, count)
    else:
        raise AssertionError(how)
    return (header, (entries, facts)) + rest


@pytest.mark.parametrize("how", ["garbage", "truncated", "empty", "a-dict", "other-key", "a-line-that-is-text",
                                 "one-value-too-many", "a-problem-of-another-shape", "a-severity-that-is-not-one",
                                 "an-object-not-a-record", "a-missing-field-that-is-none", "facts-for-fewer-entries",
                                 "a-record-missing", "more-entries-said", "trailing-bytes", "a-length-that-lies", "a-length-beyond-any-file"])
def test_a_bad_bib_cache_is_ignored(survey, tmp_path, monkeypatch, how):
    built_twice(survey)
    path = survey / cache.BIB
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"\x00\xff not JSON at all " * 10)
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "a-dict":
        path.write_bytes(json.dumps({"entries": []}).encode() + b"\n")
    elif how == "trailing-bytes":
        path.write_bytes(data + b"x")
    elif how == "a-length-beyond-any-file":  # never read: it would ask for a terabyte of memory
        head, meta, rest = data.split(b"\n", 2)
        sizes = json.loads(meta)
        sizes[4][0] = 10 ** 12
        path.write_bytes(head + b"\n" + json.dumps(sizes).encode() + b"\n" + rest)
    elif how == "a-length-that-lies":  # the first record's strings said one byte longer: the rest is off by one
        head, meta, rest = data.split(b"\n", 2)
        sizes = json.loads(meta)
        sizes[4][0] += 1
        path.write_bytes(head + b"\n" + json.dumps(sizes).encode() + b"\n" + rest)
    else:
        path.write_bytes(b"".join(bibmemo.dump(r, first=i == 0)
                                   for i, r in enumerate(_tamper(cache.stored_bib(survey), how))))
    digest = json.loads(data.splitlines()[0])[1]  # the first record: the header
    assert bibmemo.decode(cache.stored_bib(survey), digest) is None
    edit(survey / "tables" / "methods.yaml", "name: 'MET-0000'", "name: 'MET-EDITED'")
    calls = count_parses(monkeypatch)
    report = pipeline.build(survey)
    assert report.ok and calls[0] == 1  # read as if there were no cache
    expected, said = cold(survey, tmp_path)
    assert outputs(survey) == expected and sorted(map(str, report.problems)) == said
    assert path.read_bytes() == data  # and the cache is good again


def test_check_reads_every_bib_itself(survey, monkeypatch):
    assert pipeline.build(survey).ok
    calls = count_parses(monkeypatch)
    assert pipeline.check(survey).ok  # what CI runs never trusts the folder's cache
    assert calls[0] == 1


def test_a_bib_error_is_reported_on_every_build_and_nothing_is_kept(survey):
    edit(survey / "refs.bib", "title = {Loose}", "title = {Loose \\input{/etc/passwd}}")
    for _ in range(2):
        report = pipeline.build(survey)
        assert not report.ok
        assert any("refs.bib:" in str(p) and "\\input" in str(p) for p in report.errors)
        assert not (survey / cache.BIB).exists()


def test_a_plan_leaves_no_reference_cycle_holding_the_survey(survey):
    """The survey is freed by reference counting as soon as the build lets go of it, not left to the cyclic
    collector (whose only full collection in a build's process is at its exit: ~100 ms at 10,000 entries).
    Two cycles held it: the LaTeX walker's end-of-text exception, through the frames of every caller, and
    jinja2's environment, through the README template's functions."""
    import gc
    import weakref

    gc.collect()
    collecting = gc.isenabled()
    gc.disable()
    try:
        made, outputs_, report = pipeline.plan(survey)
        assert report.ok and outputs_
        assert any(c.type == "latex" for t in made.tables for c in t.columns)
        gone = weakref.ref(made)
        del made, outputs_, report
        assert gone() is None
    finally:
        if collecting:
            gc.enable()


# -- the reference list: each reference laid out once, kept with what was said of its entry -----------------------

def _cited_key(survey: Path) -> str:
    text = "\n".join(p.read_text("utf-8") for p in sorted((survey / "tables").glob("*.yaml")))
    return re.search(r"^\s+cite: \[?([A-Za-z][\w:-]*)", text, re.M).group(1)


def count_layouts(monkeypatch) -> list[int]:
    from surveybuild.renderers import references

    calls = [0]
    real = references.reference

    def counted(entry):
        calls[0] += 1
        return real(entry)
    monkeypatch.setattr(references, "reference", counted)
    return calls


def _spoil_author(survey: Path, key: str) -> None:
    bib = survey / "refs.bib"
    text = bib.read_text("utf-8")
    start = text.index(f"{{{key},")
    at = text.index("author = {", start) + len("author = {")
    bib.write_text(text[:at] + "One, Two, Three, Four and " + text[at:], "utf-8")  # a name of three commas


def test_a_one_row_edit_lays_out_no_reference_again_and_says_what_a_cold_build_says(survey, tmp_path, monkeypatch):
    key = _cited_key(survey)
    _spoil_author(survey, key)
    first = built_twice(survey)
    assert (survey / cache.styled_path("")).is_file()
    warned = [str(p) for p in first.problems if f"entry '{key}'" in str(p) and "does not parse" in str(p)]
    assert len(warned) == 1
    bib = survey / "refs.bib"
    bib.write_text("\n\n\n" + bib.read_text("utf-8"), "utf-8")  # every entry three lines down
    edit(survey / "tables" / "methods.yaml", "name: 'MET-0000'", "name: 'MET-EDITED'")
    calls = count_layouts(monkeypatch)
    again = pipeline.build(survey)
    assert again.ok and calls[0] == 0  # every reference came from the cache
    expected, said = cold(survey, tmp_path)
    assert calls[0] > 0  # the cold build laid them out
    assert outputs(survey) == expected and b"MET-EDITED" in expected["README.md"]
    assert sorted(map(str, again.problems)) == said  # the kept warning, at the entry's line now
    moved = [p for p in said if f"entry '{key}'" in p and "does not parse" in p]
    line = int(re.search(r"refs\.bib:(\d+)", warned[0]).group(1))
    assert len(moved) == 1 and f"refs.bib:{line + 3}" in moved[0]


def test_check_lays_out_every_reference_itself(survey, monkeypatch):
    """What CI runs never trusts the folder's cache: a cache whose texts were replaced changes nothing."""
    built_twice(survey)
    path = survey / cache.styled_path("")
    data = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({"entries": {k: ["TAMPERED", []] for k in data["entries"]}}), "utf-8")
    calls = count_layouts(monkeypatch)
    assert pipeline.check(survey).ok
    assert calls[0] > 0


@pytest.mark.parametrize("how", ["not-json", "an-older-form", "a-severity-that-is-not-one", "a-list"])
def test_a_bad_references_cache_is_ignored(survey, tmp_path, monkeypatch, how):
    built_twice(survey)
    path = survey / cache.styled_path("")
    data = json.loads(path.read_text("utf-8"))
    some = next(iter(data["entries"]))
    if how == "not-json":
        path.write_bytes(b"\xff{")
    elif how == "an-older-form":  # text only, as an earlier surveybuild kept it
        path.write_text(json.dumps({"entries": {k: v[0] for k, v in data["entries"].items()}}), "utf-8")
    elif how == "a-severity-that-is-not-one":
        data["entries"][some] = [data["entries"][some][0], [["said", "fatal", ""]]]
        path.write_text(json.dumps(data), "utf-8")
    else:
        path.write_text(json.dumps([data]), "utf-8")
    assert cache.styled_entries(survey, "") == {}
    edit(survey / "tables" / "methods.yaml", "name: 'MET-0000'", "name: 'MET-EDITED'")
    calls = count_layouts(monkeypatch)
    report = pipeline.build(survey)
    assert report.ok and calls[0] > 0  # laid out again
    expected, said = cold(survey, tmp_path)
    assert outputs(survey) == expected and sorted(map(str, report.problems)) == said


# -- the inputs' digests: a file is read for its digest only when it may have changed ------------------------------

def rename_first(table: Path, mark: str) -> None:
    """Put ``mark`` before the name of the table's first row."""
    text = table.read_text("utf-8")
    start = text.index("name: '") + len("name: '")
    table.write_text(text[:start] + mark + text[start:], "utf-8")


def count_digests(monkeypatch) -> list[str]:
    """The inputs whose bytes are read for their digest, in order."""
    read_for: list[str] = []
    digest = cache.file_digest

    def counted(path):
        if Path(path).exists():
            read_for.append(Path(path).name)
        return digest(path)
    monkeypatch.setattr(cache, "file_digest", counted)
    return read_for


def test_an_unchanged_input_is_read_once_for_its_digest(survey, monkeypatch):
    """A cold build reads each input once for its digest (the check after the build trusts the stats of a file
    that last changed before the build); a one-row edit reads only the edited table again."""
    monkeypatch.setattr(cache, "RACY_NS", -10**12)  # every file "changed long before" the build began
    monkeypatch.setattr(cache, "RACY_COARSE_NS", -10**12)
    read_for = count_digests(monkeypatch)
    assert pipeline.build(survey).ok
    assert "refs.bib" in read_for and len(read_for) == len(set(read_for))
    assert (survey / cache.RECORD).exists()
    # outputs written within the file system clock's tick of the record's start are read again next time (racily
    # clean); a build after the tick records them settled
    time.sleep(0.05)
    assert pipeline.build(survey).ok
    read_for.clear()
    rename_first(survey / "tables" / "models.yaml", "Edited ")
    assert pipeline.build(survey).ok
    assert read_for == ["models.yaml"], read_for
    assert cache.lookup(survey) is not None  # recorded: the next build is a no-op


def test_an_input_edited_while_the_build_runs_is_never_trusted(survey, monkeypatch):
    """An edit made after the build took an input's digest changes the file's stats: the record is not
    written, and the next build reads the file and builds its new content (whatever its age)."""
    monkeypatch.setattr(cache, "RACY_NS", -10**12)
    monkeypatch.setattr(cache, "RACY_COARSE_NS", -10**12)
    assert pipeline.build(survey).ok
    table = survey / "tables" / "models.yaml"
    render = pipeline.render_outputs

    def render_then_edit(*args, **kwargs):
        result = render(*args, **kwargs)
        rename_first(table, "During ")  # the same kind of edit, after the build read the table
        return result
    rename_first(table, "Before ")
    monkeypatch.setattr(pipeline, "render_outputs", render_then_edit)
    assert pipeline.build(survey).ok
    assert cache.lookup(survey) is None  # not recorded: the build read what is no longer there
    monkeypatch.setattr(pipeline, "render_outputs", render)
    assert pipeline.build(survey).ok
    assert any(b"During Before" in text for text in outputs(survey).values() if b"Generated" in text[:400])


def test_a_tampered_record_gives_no_digest(survey, monkeypatch):
    """The record's digests are trusted only in its own shape: any other is a miss, and every input is read."""
    assert pipeline.build(survey).ok
    data = json.loads((survey / cache.RECORD).read_text("utf-8"))
    for bad in ({"inputs": ["x"]}, {"stats": {"refs.bib": [1, 2, 3]}}, {"since": "0"}, {"format": 0},
                {"inputs": {"refs.bib": 5}},
                {"outputs": None}):
        (survey / cache.RECORD).write_text(json.dumps({**data, **bad}), encoding="utf-8")
        assert cache.recorded_inputs(survey) is None, bad
    (survey / cache.RECORD).write_text(json.dumps(data), encoding="utf-8")
    assert cache.recorded_inputs(survey) == ({**data["outputs"], **data["inputs"]}, data["stats"], data["since"])


@pytest.mark.parametrize("changed_ago_ms, whole_second, trusted", [
    (1000, False, True), (20, False, False), (1000, True, False), (3000, True, True), (-5, False, False),
    (100, False, True)])
def test_a_file_changed_just_before_the_build_is_read_again(changed_ago_ms, whole_second, trusted):
    """The racy-clean rule: a file's unchanged stats are trusted only if it had changed a tick before the build
    began, by its file system's granularity (whole-second times: a coarse one)."""
    from types import SimpleNamespace
    started = 1_800_000_000_500_000_000  # half a second past a whole second
    changed = started - changed_ago_ms * 1_000_000
    changed = changed - changed % 1_000_000_000 if whole_second else changed + 7  # never a whole second
    st = SimpleNamespace(st_ctime_ns=changed, st_mtime_ns=changed - 10**12)  # the later of the two counts
    assert cache.settled(st, started) is trusted


@pytest.mark.parametrize("now, last, settled", [
    ({"refs.bib": "a", "t.yaml": "x"}, {"refs.bib": "a", "t.yaml": "y"}, True),  # a table edited: the bib settled
    ({"refs.bib": "a"}, None, False),  # no build recorded: a first build
    ({"refs.bib": "b"}, {"refs.bib": "a"}, False),  # the bib edited since
    ({"refs.bib": "a", "paper/more.bib": "c"}, {"refs.bib": "a"}, False),  # a .bib new since
    ({"refs.bib": "a", "paper/more.bib": None}, {"refs.bib": "a", "paper/more.bib": None}, False),  # unreadable
    ({"t.yaml": "x"}, {"t.yaml": "x"}, False),  # no .bib at all: nothing to keep
])
def test_the_bib_is_kept_only_once_two_builds_in_a_row_found_it_unchanged(now, last, settled):
    assert pipeline._bibs_settled(now, last) is settled
