"""bibread.read_bib: refs.bib entries with 1-based line numbers; broken and duplicate entries are problems."""

from __future__ import annotations

import pytest

from surveybuild.readers.bibread import read_bib

GOOD = """\
@article{first,
  title = {First},
  year = {2020}
}

% a comment between entries

@ARTICLE{Second,
  TITLE = {Second},
  Author = {Doe, Jane}
}
@misc{third, title={Third}}
"""


def errors(problems):
    return [p for p in problems if p.severity == "error"]


def test_entries_with_one_based_lines():
    entries, problems = read_bib(GOOD, "refs.bib")
    assert problems == []
    assert [(e.key, e.source.path, e.source.line) for e in entries] == [
        ("first", "refs.bib", 1), ("Second", "refs.bib", 8), ("third", "refs.bib", 12)]


def test_types_and_field_names_are_lowercased():
    entries, _ = read_bib(GOOD, "refs.bib")
    second = entries[1]
    assert second.type == "article"
    assert second.get("title") == "Second"
    assert second.get("author") == "Doe, Jane"


@pytest.mark.parametrize("text, line, says", [
    pytest.param("@article{a, title={A}}\n\n@article{a, title={B}}\n", 3, "duplicate entry key 'a'",
                 id="duplicate-key"),
    pytest.param("@article{x, title={X}}\n@misc{y, title={Y}}\n\n\n@book{x, title={Z}}\n", 5,
                 "duplicate entry key 'x'", id="duplicate-key-far-apart"),
    pytest.param("@article{b, title={b}}\n@article{B, title={B}}\n", 2, "differs only in case from 'b'",
                 id="case-only-duplicate"),
])
def test_duplicate_keys_are_errors_with_their_line(text, line, says):
    _, problems = read_bib(text, "refs.bib")
    found = [p for p in errors(problems) if says in p.message]
    assert found, problems
    assert found[0].source.path == "refs.bib"
    assert found[0].source.line == line


def test_case_only_duplicate_names_where_the_other_is():
    _, problems = read_bib("@article{llama, title={a}}\n\n@article{LLaMA, title={b}}\n", "refs.bib")
    (problem,) = errors(problems)
    assert "'LLaMA'" in problem.message and "'llama'" in problem.message
    assert "refs.bib:1" in problem.message
    assert problem.source.line == 3


BROKEN = """\
@article{ok1, title={One}}

@article{broken
  title = {no comma after the key}
}

@article{ok2, title={Two}}
"""


def test_broken_entry_is_an_error_with_its_line_and_the_rest_is_read():
    entries, problems = read_bib(BROKEN, "refs.bib")
    (problem,) = errors(problems)
    assert problem.source.line == 3
    assert "broken" in problem.message
    assert [e.key for e in entries] == ["ok1", "ok2"]


def test_broken_entry_message_says_why():
    """The parser knows why the block failed ("Expected comma after entry key ..."): the message must say it."""
    _, problems = read_bib(BROKEN, "refs.bib")
    (problem,) = errors(problems)
    reason = problem.message.split("'@article{broken':", 1)[-1].strip()
    assert reason, f"no reason given: {problem.message!r}"
    assert "comma" in reason.lower()


def test_unclosed_entry_is_an_error():
    text = "@article{x,\n  title = {never closed\n\n@article{y, title={Y}}\n"
    entries, problems = read_bib(text, "refs.bib")
    assert [p.source.line for p in errors(problems)] == [1]
    assert [e.key for e in entries] == ["y"]


def test_duplicate_field_is_a_warning_keeping_the_entry():
    entries, problems = read_bib("\n@article{c, title={C}, title={D}}\n", "refs.bib")
    assert [e.key for e in entries] == ["c"]
    assert [(p.severity, p.source.line) for p in problems] == [("warning", 2)]
    assert "title" in problems[0].message


def test_empty_file_has_no_entries_and_no_problems():
    assert read_bib("", "refs.bib") == ([], [])
