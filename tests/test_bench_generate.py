"""The benchmark's generator, the no-op cache and the fast refs.bib reader. No timing here: see benchmarks/."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import time
from pathlib import Path

import bibtexparser
import pytest

from conftest import ROOT, edit, snapshot
from surveybuild.readers import bibindex, read
from surveybuild.build import pipeline as build
from surveybuild.build import cache
from surveybuild.readers.bibread import read_bib

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

GENERATED = ("README.md", "paper/tables", "schema")


@pytest.fixture
def survey(tmp_path) -> Path:
    """A small generated survey: 30 rows, 100 entries."""
    generate(tmp_path / "s", rows=30, entries=100)
    return tmp_path / "s"


def test_generated_survey_builds_cleanly(survey):
    report = build.build(survey)
    assert report.ok and report.problems == [], "\n".join(map(str, report.problems))
    assert "README.md" in report.written
    assert len([w for w in report.written if w.startswith("paper/tables/") and "/_" not in w]) == 6  # and the preamble
    assert build.check(survey).problems == []


def test_generator_is_deterministic_and_builds_byte_identically(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    generate(first, rows=30, entries=100)
    generate(second, rows=30, entries=100)
    assert build.build(first).ok and build.build(second).ok
    def files(root: Path) -> dict[str, bytes]:  # the cache records this machine's inodes and times: not output
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
                if p.is_file() and ".surveybuild-cache" not in p.parts}

    assert files(first) == files(second) and "README.md" in files(first)


def run_cli(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "surveybuild", "-C", str(folder), *args],
                          capture_output=True, text=True)


def test_noop_rebuild_hits_the_cache_writes_nothing_and_imports_nothing_heavy(survey):
    assert build.build(survey).ok
    assert (survey / cache.RECORD).is_file()
    assert cache.lookup(survey) is not None
    before = snapshot(survey)
    code = ("import sys; from surveybuild.cli import main; status = main(['-C', sys.argv[1], 'build']); "
            "print(' '.join(sorted(sys.modules))); sys.exit(status)")
    done = subprocess.run([sys.executable, "-c", code, str(survey)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # nothing written, nothing to say
    modules = set(done.stdout.split())
    for heavy in ("yaml", "bibtexparser", "jinja2", "jsonschema", "jsonschema_rs", "pylatexenc", "cmarkgfm",
                  "github_slugger", "matplotlib", "surveybuild.build.pipeline"):
        assert heavy not in modules
    assert snapshot(survey) == before


@pytest.mark.parametrize("change", ["yaml-cell", "bib-entry", "template", "new-table", "settings"])
def test_a_changed_input_is_rebuilt(survey, change):
    assert build.build(survey).ok
    readme = (survey / "README.md").read_text("utf-8")
    if change == "yaml-cell":
        edit(survey / "tables" / "methods.yaml", "name: 'MET-0000'", "name: 'MET-ZERO'")
        expect = "MET-ZERO"
    elif change == "bib-entry":
        lines = (survey / "refs.bib").read_text("utf-8").split("\n")
        at = next(i for i, line in enumerate(lines) if line.endswith("{survey2024,"))
        title = next(i for i in range(at, len(lines)) if lines[i].startswith("  title = {"))
        lines[title] = "  title = {Renamed Survey Title},"
        (survey / "refs.bib").write_text("\n".join(lines), "utf-8")
        expect = "Renamed Survey Title"
    elif change == "template":
        edit(survey / "templates" / "README.md.j2", "# A Synthetic Survey", "# A Renamed Survey")
        expect = "# A Renamed Survey"
    elif change == "new-table":
        (survey / "tables" / "extra.yaml").write_text(
            "caption: Extra.\ncolumns:\n  - {key: name, title: Name}\nrows:\n  - name: Extra-Row\n    "
            "cite: survey2024\n", "utf-8")
        edit(survey / "templates" / "README.md.j2", "## References", "{{ table('extra') }}\n\n## References")
        expect = "Extra-Row"
    else:
        # a wide page: the tables no longer need landscape
        (survey / "surveybuild.yaml").write_text("paper_text_width: 2000pt\n", "utf-8")
        expect = None
    assert cache.lookup(survey) is None
    report = build.build(survey)
    assert report.ok, "\n".join(map(str, report.problems))
    if expect is not None:
        assert expect not in readme
        assert expect in (survey / "README.md").read_text("utf-8")
    else:
        assert any(w.startswith("paper/tables/") for w in report.written)
    assert cache.lookup(survey) is not None  # recorded again


def test_hand_edited_readme_is_not_up_to_date(survey):
    assert build.build(survey).ok
    text = (survey / "README.md").read_text("utf-8")
    (survey / "README.md").write_text(text.replace("# A Synthetic Survey", "# A Hand-Edited Survey"), "utf-8")
    assert cache.lookup(survey) is None
    done = run_cli(survey, "check")
    assert done.returncode == 1
    assert "README.md:" in done.stderr and "differs from what the sources generate" in done.stderr
    done = run_cli(survey, "build")
    assert done.returncode == 1 and "edited by hand" in done.stderr


def counted_digests(monkeypatch) -> list[bytes]:
    """What :func:`cache.lookup` hashes from now on (the code's fingerprint aside)."""
    monkeypatch.setattr(cache, "code_fingerprint", functools.partial(str, cache.code_fingerprint()))
    read: list[bytes] = []
    real, real_file = cache.digest, cache.file_digest
    monkeypatch.setattr(cache, "digest", lambda data: (read.append(data), real(data))[1])
    monkeypatch.setattr(cache, "file_digest", lambda path: (read.append(Path(path).read_bytes()), real_file(path))[1])
    return read


def test_a_noop_reads_no_file_that_did_not_change_since_the_record(survey, monkeypatch):
    assert build.build(survey).ok
    # the outputs were just written: within the file system clock's tick (coarse: a few ms) of the record's
    # start they are "racily clean" and read again; a build after the tick records with them settled
    time.sleep(0.05)
    assert build.build(survey).ok
    read = counted_digests(monkeypatch)
    assert cache.lookup(survey) is not None
    assert read == []  # the bib, tables, template and outputs are trusted by their stat, as git does
    bib = survey / "refs.bib"
    bib.write_text(bib.read_text("utf-8") + "% appended\n", "utf-8")
    assert cache.lookup(survey) is None and len(read) == 1  # only the changed file is read, and it differs


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(survey):
    assert build.build(survey).ok
    table = survey / "tables" / "methods.yaml"
    before = table.stat()
    text = table.read_text("utf-8")
    table.write_text(text.replace("MET-0000", "MET-9999"), "utf-8")  # same size
    os.utime(table, ns=(before.st_atime_ns, before.st_mtime_ns))  # as rsync -t or tar would leave it
    assert table.stat().st_size == before.st_size and table.stat().st_mtime_ns == before.st_mtime_ns
    assert cache.lookup(survey) is None  # its change time moved: read, and it differs
    assert "README.md" in build.build(survey).written and "MET-9999" in (survey / "README.md").read_text("utf-8")


def test_a_file_changed_while_the_record_was_begun_is_read(survey, monkeypatch):
    assert build.build(survey).ok
    record = (survey / cache.RECORD).read_text("utf-8")
    import json

    data = json.loads(record)
    data["since"] = 0  # as if every file changed after the record began: none is trusted by its stat
    (survey / cache.RECORD).write_text(json.dumps(data), "utf-8")
    read = counted_digests(monkeypatch)
    assert cache.lookup(survey) is not None and len(read) == len(data["inputs"]) - list(data["inputs"].values()).count(None) \
        + len(data["outputs"])


def test_deleted_output_is_rebuilt(survey):
    assert build.build(survey).ok
    (survey / "paper" / "tables" / "models.tex").unlink()
    assert cache.lookup(survey) is None
    assert "paper/tables/models.tex" in build.build(survey).written


def test_warnings_are_repeated_by_a_noop(survey):
    bib = survey / "refs.bib"
    bib.write_text(bib.read_text("utf-8") + "\n@misc{uncited2099, title = {Nobody Cites Me}}\n", "utf-8")
    first = run_cli(survey, "build")
    assert first.returncode == 0 and "never cited" in first.stderr
    again = run_cli(survey, "build")
    assert again.returncode == 0
    assert [line for line in again.stderr.splitlines() if "never cited" in line] == \
        [line for line in first.stderr.splitlines() if "never cited" in line]
    assert "wrote" not in again.stderr


def test_cache_inputs_cover_every_file_the_reader_opens(survey, monkeypatch):
    assert build.build(survey).ok
    opened: set[str] = set()
    real_bytes, real_text = Path.read_bytes, Path.read_text

    def spy_bytes(self):
        opened.add(Path(self).resolve().relative_to(survey.resolve()).as_posix())
        return real_bytes(self)

    def spy_text(self, *args, **kwargs):
        opened.add(Path(self).resolve().relative_to(survey.resolve()).as_posix())
        return real_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", spy_bytes)
    monkeypatch.setattr(Path, "read_text", spy_text)
    survey_model = read.read_survey(survey)
    monkeypatch.undo()
    assert opened
    assert opened <= set(cache.input_paths(survey, survey_model.settings))
    assert cache.SETTINGS_FILE == read.SETTINGS_FILE


# --- the fast refs.bib reader: the same entries as bibtexparser, or None --------------------------------------

def slow(text: str):
    return [(e.key, e.entry_type.lower(), e.start_line, [(f.key, str(f.value)) for f in e.fields])
            for e in bibtexparser.parse_string(text).entries]


def fast(text: str):
    library = bibindex.parse(text)
    return None if library is None else [(e.key, e.entry_type, e.start_line, list(e.fields))
                                         for e in library.entries]


@pytest.mark.parametrize("path", ["refs.bib", "tests/fixtures/mini/refs.bib"])
def test_fast_reader_reads_the_real_bibs_as_bibtexparser_does(path):
    text = (ROOT / path).read_text("utf-8-sig")
    assert fast(text) == slow(text)


def test_fast_reader_reads_the_generated_bib_as_bibtexparser_does(survey):
    text = (survey / "refs.bib").read_text("utf-8")
    assert "@string" in text and " # " in text and "month = " in text
    assert fast(text) == slow(text)


CLEAN = [
    pytest.param("@article{a,\n  title = {A {Braced} Title},\n  year = 2020,\n}\n", id="braces-number-trailing-comma"),
    pytest.param('@misc{a, title = "M{\\"u}ller and \\"quotes\\"", note={x}}', id="quoted-escapes"),
    pytest.param("@string{ acl = {ACL} }\n@inproceedings{a, booktitle = ACL, month = jan}\n", id="string-and-macro"),
    pytest.param("@inproceedings{a, booktitle = later}\n@string{later = \"Defined Later\"}\n", id="string-after-use"),
    pytest.param("@string{a = {{Double}}}\n@misc{k, t = a}\n", id="string-keeps-inner-braces"),
    pytest.param('@misc{a, month = jan # "~1", title = {C# and F#}}\n', id="concatenation"),
    pytest.param("% comment\n@comment{jabref-meta: x}\n\n@misc{a,}\n", id="comments-empty-entry"),
    pytest.param("@misc{a, title = {\\{escaped\\} braces}}\n", id="escaped-braces"),
    pytest.param("@misc{a, title = {deep {one {two {three}}}}}\n", id="deep-braces"),
    pytest.param("@misc{a,\r\n  title = {CRLF},\r\n  year = {1}\r\n}\r\n@misc{b, title={B}}\r\n", id="crlf"),
    # text between entries is a comment to bibtexparser's splitter, whatever braces, quotes, commas or '=' it holds
    pytest.param('% Use "other.bib" {too}\ncomment = {GPT-4, GPT-3.5}\n\n@misc{a, title = {A},\n}\nnote = {x}\n'
                 '@misc{b, title={B}}\n% } and { and "\n', id="braces-between-entries"),
    pytest.param('@misc{a, month = jan # "~1", title = {T}}\nx = {y}\n@misc{b, t={B}}\n', id="concatenation-then-braces"),
    pytest.param("@misc{a,}\n} {\n@misc{b,\n  t = {B}\n}\n", id="empty-entry-then-stray-braces"),
    pytest.param('@string{acm-ccr = "{ACM} Computer {C}ommunication"}\n@misc{a, journal = acm-ccr}\n',
                 id="quoted-string-with-braces"),
]
NOT_CLEAN = [
    pytest.param("@article{a, title={A}}\n@article{a, title={B}}\n", id="duplicate-key"),
    pytest.param("@article{b, title={b}}\n@article{B, title={B}}\n", id="case-only-duplicate"),
    pytest.param("@article{a, title={A}, title={B}}\n", id="duplicate-field"),
    pytest.param("@article{broken\n  title = {no comma}\n}\n", id="no-comma-after-key"),
    pytest.param("@article{a, title = {unclosed\n}\n@misc{b, title={B}}\n", id="unclosed-brace"),
    pytest.param('@misc{a, title = "a{"}b", year = 1}\n', id="escaped-quote-in-quotes"),
    pytest.param("@misc{a, title = {x}} text @misc{b, title={y}}\n", id="mid-line-block"),
    pytest.param("@misc(a, title = {x})\n", id="parentheses"),
    pytest.param("@preamble{\"x\"}\n@misc{a, t={x}}\n", id="preamble"),
    pytest.param("@misc{a, title = {x} y}\n", id="text-after-value"),
    pytest.param("@misc{a, title = {five {deep {deep {deep {deep}}}}}}\n", id="too-deep"),
    pytest.param('@string{x = "a {"} b"}\n@misc{a, note = x}\n', id="escaped-quote-in-a-quoted-string"),
]


@pytest.mark.parametrize("text", CLEAN)
def test_fast_reader_equals_bibtexparser(text):
    assert fast(text) is not None
    assert fast(text) == slow(text)


@pytest.mark.parametrize("text", NOT_CLEAN)
def test_fast_reader_leaves_the_rest_to_bibtexparser(text):
    assert fast(text) is None


@pytest.mark.parametrize("text", NOT_CLEAN)
def test_read_bib_still_reports_what_bibtexparser_finds(text):
    """Through read_bib, a file outside the subset gets bibtexparser's entries and problems."""
    entries, problems = read_bib(text, "refs.bib")
    assert [e.key for e in entries] == [e[0] for e in slow(text)] or problems


def test_fast_reader_reads_every_corpus_bib_as_bibtexparser_does_or_leaves_it():
    """Real .bib files of public surveys: each is read by the fast reader exactly as bibtexparser reads it, or
    left to bibtexparser (``None``); never read differently."""
    from corpus import corpus_path

    taken = 0
    for path in sorted(corpus_path().rglob("*.bib*")):
        text = path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")
        got = fast(text)
        if got is not None:
            taken += 1
            assert got == slow(text), path.name
    assert taken >= 5  # the fast reader takes most of them


from hypothesis import given, settings, strategies as st  # noqa: E402

_GAP = st.lists(st.sampled_from(["%", " ", "\n", "{", "}", '"', ",", "=", "x", "note", "\t", "#", "\\{", "}\n"]),
                max_size=20).map("".join)


@settings(derandomize=True, max_examples=400, deadline=None)
@given(_GAP, _GAP, _GAP)
def test_fast_reader_takes_any_text_between_entries_as_bibtexparser_does(before, between, after):
    """Text between entries holding no '@': read as bibtexparser reads the file (a comment), or left to it."""
    text = (before + "\n@article{a,\n  title = {A {B} C},\n  month = jan # \"~1\",\n  year = 2020\n}\n" + between
            + "\n@misc{b, note = {x}}" + after + "\n")
    got = fast(text)
    assert got is None or got == slow(text)
    if "\\" not in before + between + after:
        assert got is not None  # no backslash before a newline: the subset


def test_a_bib_of_many_concatenations_is_read_by_bibtexparser_once():
    entries = "".join(f'@misc{{k{i}, month = jan # "~{i}", title = {{T{i}}}}}\n' for i in range(bibindex.COMPLEX_MAX + 1))
    assert fast(entries) is None  # every entry would be bibtexparser's anyway
    few = "".join(f"@misc{{p{i}, title = {{P{i}}}}}\n" for i in range(4 * bibindex.COMPLEX_MAX)) + entries
    assert fast(few) is not None and fast(few) == slow(few)
