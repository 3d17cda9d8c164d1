"""Typed cell values: sizes (parse, format, sort) and URL checks."""

from __future__ import annotations

import pytest

from surveybuild import values


@pytest.mark.parametrize("raw, value", [
    pytest.param("7B", 7e9, id="billions"),
    pytest.param("52K", 52e3, id="thousands"),
    pytest.param("1.4T", 1.4e12, id="decimal-trillions"),
    pytest.param("6.7B", 6.7e9, id="decimal-billions"),
    pytest.param("300K+", 300e3, id="at-least"),
    pytest.param("~1M", 1e6, id="about"),
    pytest.param("5K-5M", 5e3, id="range-sorts-by-low-end"),
    pytest.param("5K - 5M", 5e3, id="range-with-spaces"),
    pytest.param(161443, 161443.0, id="plain-integer"),
    pytest.param("161443", 161443.0, id="integer-as-text"),
    pytest.param(0, 0.0, id="zero"),
])
def test_parse_size(raw, value):
    assert values.parse_size(raw) == pytest.approx(value)


@pytest.mark.parametrize("raw", [
    pytest.param("1.1 Tokens", id="unit-word"),
    pytest.param("7b", id="lowercase-suffix"),
    pytest.param("7BB", id="double-suffix"),
    pytest.param("7G", id="unknown-suffix"),
    pytest.param("B", id="suffix-only"),
    pytest.param("", id="empty"),
    pytest.param("1,000", id="thousands-comma"),
    pytest.param("5K-", id="open-range"),
    pytest.param("about 5K", id="words"),
    pytest.param(-3, id="negative"),
    pytest.param(True, id="bool"),
    pytest.param(1.5, id="float"),
    pytest.param(None, id="none"),
    pytest.param(["7B"], id="list"),
])
def test_parse_size_rejects(raw):
    assert values.parse_size(raw) is None


@pytest.mark.parametrize("raw, shown", [
    pytest.param(161443, "161,443", id="integer-gets-separators"),
    pytest.param(1234567, "1,234,567", id="millions"),
    pytest.param(7, "7", id="small-integer"),
    pytest.param("7B", "7B", id="as-written"),
    pytest.param("1.4T", "1.4T", id="decimal"),
    pytest.param("300K+", "300K+", id="plus"),
    pytest.param("~1M", "~1M", id="tilde"),
    pytest.param("5K-5M", "5K\N{EN DASH}5M", id="range-en-dash"),
    pytest.param("5K - 5M", "5K\N{EN DASH}5M", id="range-spaces-dropped"),
    pytest.param(" 52K ", "52K", id="stripped"),
])
def test_format_size(raw, shown):
    assert values.format_size(raw) == shown


def test_sizes_sort_by_value_with_missing_last():
    raws = ["1.4T", None, "7B", "52K", "300K+", 161443, "~1M"]
    ordered = sorted(raws, key=lambda r: values.sort_key("size", r))
    assert ordered == ["52K", 161443, "300K+", "~1M", "7B", "1.4T", None]


def test_text_sorts_case_insensitively_with_missing_last():
    ordered = sorted(["beta", None, "Alpha", "gamma"], key=lambda r: values.sort_key("text", r))
    assert ordered == ["Alpha", "beta", "gamma", None]


@pytest.mark.parametrize("url", [
    pytest.param("http://a.b", id="http"),
    pytest.param("https://github.com/tatsu-lab/stanford_alpaca", id="https"),
    pytest.param("https://x.org/p?q=1&r=2#frag", id="query-and-fragment"),
    pytest.param("https://x.org:8080/a%20b", id="port-and-percent"),
    pytest.param("HTTPS://X.ORG", id="uppercase-scheme"),
])
def test_check_url_accepts(url):
    assert values.check_url(url) == ""


@pytest.mark.parametrize("url, why", [
    pytest.param("javascript:alert(1)", "javascript", id="javascript"),
    pytest.param("file:///etc/passwd", "'file'", id="file"),
    pytest.param("ftp://x.org/a", "'ftp'", id="ftp"),
    pytest.param("mailto:a@b.org", "'mailto'", id="mailto"),
    pytest.param("data:text/html,hi", "'data'", id="data"),
    pytest.param("github.com/x/y", "none", id="no-scheme"),
    pytest.param("//x.org/y", "none", id="scheme-relative"),
    pytest.param("https://", "no host", id="no-host"),
    pytest.param("http:///path", "no host", id="empty-host"),
    pytest.param("https://x.org/a b", "space", id="space-inside"),
    pytest.param(" https://x.org", "space", id="leading-space"),
    pytest.param("https://x.org\n", "space", id="trailing-newline"),
    pytest.param('https://x.org/"x"', "space", id="quote"),
    pytest.param("https://x.org/<b>", "space", id="angle-bracket"),
    pytest.param("https://x.org/a\u00a0b", "space", id="unicode-space"),
    pytest.param("https://x.org/a\\b", "space", id="backslash"),
    pytest.param(None, "must be text", id="none"),
    pytest.param(42, "must be text", id="number"),
])
def test_check_url_rejects(url, why):
    message = values.check_url(url)
    assert message, f"{url!r} was accepted"
    assert why in message


def test_a_value_key_tells_apart_what_prints_apart():
    from surveybuild.values import value_key

    keys = [value_key(v) for v in (True, 1, 1.0, "1", [True], [1], ["1"], [[1]], None, "")]
    assert len(set(keys)) == len(keys)
    assert value_key(["de", "fr"]) == value_key(["de", "fr"]) and value_key({"a": 1}) is None


def test_list_cells_of_true_and_1_are_set_apart_in_the_paper():
    """A table's cells are worked out once per distinct value of a column (latex.TableRenderer.cell_lines):
    [True] and [1] are equal in Python but print 'True' and '1'."""
    from surveybuild.model import Column, Line, Row, Settings, Source, Table, Value
    from surveybuild.renderers import latex

    columns = (Column("name", "Name"), Column("tags", "Tags", type="list"))

    def row(i, tags):
        return Row(i, f"r{i}", Line((("name", Value(f"r{i}", Source("t.yaml", i + 1))),
                                      ("tags", Value(tags, Source("t.yaml", i + 1))))))
    table = Table("t", "T", "tab:t", columns, (row(0, [True]), row(1, [1])))
    text = latex.render_table(table, Settings())
    assert "r0 & True" in text and "r1 & 1" in text
