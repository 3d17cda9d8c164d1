"""The build's fast paths answer exactly as the plain code they stand for (docs/performance.md, "Stop 14").

Each fast path below replaced a simpler form in a hot loop; the simpler form is written out here as
the reference, and the two are compared on hostile text (hypothesis, derandomized) and written-out edge cases.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from surveybuild.checks import anchors
from surveybuild.readers import bibread

FAST = settings(derandomize=True, max_examples=300, deadline=None)


def pieces(*tokens: str):
    """Text made of tokens that meet the patterns' edges (quotes, spaces, line breaks, near-misses)."""
    return st.lists(st.sampled_from(tokens), max_size=40).map("".join)


# -- anchors: two literal scans for id=/name=, headings found line by line ----------------------------------

_ID = re.compile(r"""[ \t](?:id|name)=["']([^"']*)""")
_ATX = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.M)


@FAST
@given(pieces(" ", "\t", "\n", "\r", "\x0c", "\u2028", "a", "id=", "name=", "aid=", '"', "'", " id='x", "#", "## h ##",
              "   #", "    #", "#######"))
@example(""" name="x id='y'" """)  # an id inside another attribute's value is no id
@example("""aid=" id='x'""")  # a near-miss ('aid=') must not hide the real id after it
@example("## a\u2028## b\n   ### c ##\n    # d")  # a heading ends at a line break only, after 3 spaces at most
def test_source_ids_and_headings_are_what_one_scan_finds(text):
    assert anchors._source_ids(text) == set(_ID.findall(text))
    assert anchors._atx_titles(text) == _ATX.findall(text)


# -- refs.bib hazards: '^^' by the carets, '#' by str.find ----------------------------------------------------

def _carets_by_find(text: str) -> list[int]:
    found, pos = [], text.find("^^")
    while pos != -1:
        found.append(pos)
        pos = text.find("^^", pos + 2)
    return found


@FAST
@given(pieces("^", "^^", "^^^", "a", "#", "\n", "{", "}"))
def test_carets_and_hashes_are_where_str_find_says(text):
    assert bibread._carets(text) == _carets_by_find(text)
    assert list(bibread._every(text, "#")) == [m.start() for m in re.finditer("#", text)]


@FAST
@given(pieces("@preamble{", "@STRING(", "@string{", "@ Preamble (", "a", " ", "\n", "#", "^^", '"', "}", "{", ")",
              "\\inp", "\\url{", "ftp:", "x = ", ","))
def test_preamble_and_string_blocks_are_found_as_by_their_own_patterns(text):
    both = list(bibread._SPECIAL_BLOCK.finditer(text))
    preambles = re.compile(r"@\s*preamble\s*[{(]", re.I).finditer(text)
    strings = re.compile(r"@\s*string\s*[{(]", re.I).finditer(text)
    assert [m.span() for m in both if m.group(1).lower() == "preamble"] == [m.span() for m in preambles]
    assert [m.span() for m in both if m.group(1).lower() == "string"] == [m.span() for m in strings]


# -- fit: ASCII widths summed in C, a table's column measured column by column -----------------------------

def _plain_width(text: str) -> float:
    import unicodedata

    from surveybuild.renderers.fit import _EM

    return sum(_EM.get(ch, 0.5) if ch.isascii() or unicodedata.east_asian_width(ch) not in "WF" else 1.0
               for ch in text)


@FAST
@given(st.text(alphabet=st.sampled_from("aimwMWIl.,;:!'|`()[]ftr-/ @&%ZQ09\t\x7f"), max_size=60)
       | st.text(max_size=20))
@example("")
def test_text_width_is_the_plain_sum_of_character_widths(text):
    from surveybuild.renderers import fit

    assert fit.text_width.__wrapped__(text) == _plain_width(text)
    assert type(fit.text_width.__wrapped__(text)) is type(_plain_width(text))


_CELLS = {"text": st.one_of(st.none(), st.just(""), st.text(max_size=12)),
          "latex": st.one_of(st.none(), st.sampled_from(["", "a \\textbf{b}", "\\cite{k1,k2} x", "50\\%", "{\\'e}t\\'e",
                                                          "\\url{https://e.org/a}", "\\href{https://e.org}{x}"])),
          "size": st.one_of(st.none(), st.sampled_from([7, 1.5e9, "13B", 0])),
          "bool": st.one_of(st.none(), st.booleans()),
          "list": st.one_of(st.none(), st.lists(st.sampled_from(["a", "bb", "CJK 中文"]), max_size=3)),
          "url": st.one_of(st.none(), st.sampled_from(["https://example.org/a/b", ""]))}


@st.composite
def _table_rows(draw):
    from surveybuild.model import Column, Line, Row, Source, Value

    kind = draw(st.sampled_from(sorted(_CELLS)))
    column = Column(key="c", title=draw(st.sampled_from(["Name", "A wide title", ""])), type=kind,
                    width=draw(st.sampled_from([None, "3cm"])))
    rows = []
    for index in range(draw(st.integers(0, 6))):
        raw = draw(_CELLS[kind])
        cells = () if draw(st.booleans()) and raw is None else (("c", Value(raw, Source("t.yaml", 1, 1))),)
        rows.append(Row(index=index, name=f"r{index}", line=Line(cells),
                        cites=tuple(("k", Source("t.yaml")) for _ in range(draw(st.integers(0, 2)))),
                        notes=(("c", "n", Source("t.yaml")),) if draw(st.booleans()) else ()))
    return column, tuple(rows)


@FAST
@given(_table_rows(), st.booleans())
def test_a_column_measured_column_by_column_is_measured_as_row_by_row(table, first):
    from surveybuild.renderers import fit

    column, rows = table
    by_columns = fit.measure(column, rows, first, column.title)
    by_rows = fit.measure(column, rows, first, column.title, lookup=lambda *_: None)  # the general loop
    assert by_columns == by_rows
    assert [type(w) for w in by_columns.rows] == [type(w) for w in by_rows.rows]


@FAST
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40) | st.text(max_size=20))
@example("\x1c a\tb\x0bc\x1fd \x85e")
@example("模型，训练 a-b")
def test_words_are_what_the_word_pattern_finds(text):
    from surveybuild.renderers import fit

    assert fit.words(text) == re.findall(fit._WORD, text)


# -- the bib checks' facts of each entry, in one loop -------------------------------------------------------

_FIELD_TEXT = pieces("", " ", "\u2003", "\t", "{", "}", '"', "a", "Deep Learning for Graph Networks", "\\emph{x}",
                     "10.1000/xyz", "10.48550/arXiv.2101.00001", "arXiv:2101.00001v2", "hep-th/9901001", "é", "!")


@st.composite
def _bib_entries(draw):
    from surveybuild.model import BibEntry, Source

    names = st.sampled_from(["author", "editor", "title", "year", "date", "crossref", "doi", "url", "eprint",
                             "archiveprefix", "eprinttype", "journal", "booktitle", "howpublished", "note"])
    return [BibEntry(f"k{i}", draw(st.sampled_from(["article", "book", "proceedings", "misc", "string", "set"])),
                     tuple(draw(st.lists(st.tuples(names, _FIELD_TEXT), max_size=8))), Source("refs.bib", i + 1))
            for i in range(draw(st.integers(0, 4)))]


@FAST
@given(_bib_entries())
def test_bib_facts_are_each_entrys_plain_facts(entries):
    from surveybuild.checks import hygiene

    assert hygiene.bib_facts(entries) == tuple(hygiene.plain_facts(e) for e in entries)


@FAST
@given(_FIELD_TEXT | st.text(max_size=8) | st.none())
@example(" {}")
@example('\u2003"x"')
@example("{ }")
def test_a_filled_field_is_one_whose_value_is_not_empty(text):
    from surveybuild.checks import hygiene
    from surveybuild.readers.bibfields import value

    assert hygiene._filled(text) == bool(value({"f": text}, "f"))


@FAST
@given(pieces("@", "@preamble", "@PreAmble", "@pre", "amble", "\u0130", "\u212a", "\u017f", "P", "p", "L", "l", " ", "é"))
@example("@\u0130preamble")
def test_a_preamble_is_found_as_in_the_lower_cased_text(text):
    from surveybuild.readers import read

    assert bool(read._PREAMBLE.search(text)) == ("@preamble" in text.lower())


def test_no_other_character_folds_to_a_letter_of_preamble():
    """What makes the pattern exact: a character matches a letter of '@preamble' ignoring case exactly when
    its lower case is that letter (and a lower case of several characters holds none of them)."""
    letters = re.compile("[@preambl]", re.IGNORECASE)
    for code in range(0x110000):
        char = chr(code)
        low = char.lower()
        assert bool(letters.fullmatch(char)) == (low in "@preambl" and len(low) == 1), hex(code)
        assert len(low) == 1 or not set(low) & set("@preambl"), hex(code)


# -- names: " and " found by one pattern, brace groups masked first ---------------------------------------------------

@settings(derandomize=True, max_examples=1500, deadline=None)
@given(pieces("a", "n", "d", "A", "N", "D", "and", "AND", " and ", " And ", "x", "~", ",", ".", "-", "  ", " ", "é",
              "{", "}", "\\", "{and}", " and{", "\\and", "{{", "}}", "{A}", "{van der}", " {", "} ", "{x {and} y}",
              "{x and y}", '{\\"o}', "\\{", "\\}", "\\ ", "{\\and}", "\\\\", "{\\L}"))
@example("A and and and B")  # overlapping separators: the second 'and' is a name
@example("{OpenAI} and {Simon and Schuster} and B. {van der} Berg")  # braced names: the masked path
@example("{{{{deep}}}} and A")  # nested four deep: bibtexparser's own walk
@example("A and {B and C")  # an unclosed brace: bibtexparser's own walk
@example('K{\\"o}hler, Ana and M{\\"u}ller, B. and {\\L}ukasz, C')  # accents in braces: the masked path
@example("A\\ and B and {x\\}} and C")  # escapes outside braces, an escaped brace: bibtexparser's own walk
@example("Sand and Band andy and Anders")
@example("and B and")  # no separator without a blank on each side
def test_names_split_as_bibtexparser_splits_them(text):
    from bibtexparser.middlewares.names import split_multiple_persons_names

    from surveybuild.renderers.references import split_names

    raw = " ".join(text.split())  # as the reference list gives it: blanks made single spaces
    assert split_names(raw) == split_multiple_persons_names(raw)


# -- words: a text without CJK characters split at white space, without the CJK pattern ---------------------------

@FAST
@given(pieces("a", "é", "Ü", " ", "\u00a0", "\u3000", "\t", "\n", "中", "文", "，", "。", "ｱ", "\u2e80", "\u2e7f",
              "\ua000", "\uac00", "\U00020000", "\U0001f600", "-", "—", "x"))
@example("naïve café 中文，测试")
@example("\u2e7f\u2e80")  # just below, and the first CJK radical
def test_a_text_without_cjk_is_split_at_white_space_as_the_pattern_splits_it(text):
    from surveybuild.renderers import fit

    assert fit.words(text) == fit._word().findall(text)


# -- escape_gfm: the autolink pattern tried only where "www." or "://" is ------------------------------------------------


@FAST
@given(pieces("www", "WWW", "wWw", ".", ":", "//", "/", "a", " ", "x", "http", "\u212a", "\u0130", "\u017f", "é", "*",
              "_", "\\", "\n", "&", "ｗ"))
@example("see www.x.org or https://y")
def test_a_text_is_escaped_as_when_the_autolink_pattern_is_tried_everywhere(text):
    from surveybuild.renderers import markdown

    plain = markdown._GFM_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()).replace("&", "&amp;"))
    assert markdown.escape_gfm.__wrapped__(text) == markdown._AUTOLINK.sub(lambda m: "\\" + m.group(0), plain)
    assert markdown.escape_gfm.__wrapped__(text, autolinks=False) == plain


def test_no_character_but_w_matches_w_ignoring_case():
    """What makes the quick test exact: the autolink pattern's "www" (ignoring case) matches only 'w' and 'W',
    which lower-case to 'w'; no other character lower-cases to a text holding "w" ."""
    w = re.compile("w", re.IGNORECASE)
    for code in range(0x110000):
        char = chr(code)
        assert bool(w.fullmatch(char)) == (char in "wW"), hex(code)
        assert ("w" in char.lower()) == (char in "wW"), hex(code)


# -- the tables' preamble: macros looked up among the texts' control words ------------------------------------------------


def test_every_macro_the_preamble_provides_for_is_a_control_word():
    """What makes the lookup exact: a name is used exactly when a control word (``\\`` and letters) is it."""
    from surveybuild.renderers import latex

    for name in {*latex.MACRO_PACKAGES, *latex.SYMBOL_MACROS, *latex.SYMBOL_PACKAGES}:
        assert re.fullmatch(r"[A-Za-z]+", name), name


@FAST
@given(pieces("\\", "\\\\", "checkmark", "checkmarks", "ding", "CIRCLE", "x", " ", "{", "}", "@", "begin", "{align}",
              "\\begin{align*}", "1"))
def test_the_macros_found_are_those_a_pattern_for_each_name_finds(text):
    from surveybuild.renderers import latex

    names = {*latex.MACRO_PACKAGES, *latex.SYMBOL_MACROS, *latex.SYMBOL_PACKAGES}
    by_pattern = {n for n in names if re.search(rf"\\{n}(?![A-Za-z])", text)}
    assert by_pattern == latex.control_words([text]) & names


# -- check_url asks urlsplit for the port only when the host part holds a colon ---------------------------------

@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.sampled_from(["http://", "https://", "ftp://", ""]),
       st.text(alphabet="ab1:@[]%.-x9", max_size=14), st.sampled_from(["", "/", "/p?q=1#f"]))
@example("https://", "a.org:99999", "/")
@example("https://", "u:p@a.org", "/")
def test_check_url_says_what_asking_for_the_port_always_says(scheme, host, rest):
    from urllib.parse import urlsplit

    from surveybuild import values

    raw = scheme + host + rest

    def reference(raw: str) -> str:
        if values._URL_UNSAFE.search(raw):
            return "unsafe"
        try:
            parts = urlsplit(raw)
            parts.port  # noqa: B018
        except ValueError as exc:
            return f"URL {raw!r} cannot be read: {exc}"
        return "read"
    said, expected = values.check_url(raw), reference(raw)
    if expected.startswith("URL "):
        assert said == expected
    else:
        assert "cannot be read" not in said


# -- the bare-special-character check skips an entry whose _ ^ & # are all escaped, by counting --------------------

@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["title", "author", "abstract", "url", "month"]),
                          st.text(alphabet="ab\\_^&#${} ", max_size=12)), min_size=1, max_size=4))
@example([("title", "io\\\\_uring")])
@example([("author", "Andr\\^{e}"), ("title", "a_b")])
def test_the_special_character_check_says_what_reading_every_field_says(fields):
    from surveybuild.checks import bibcheck
    from surveybuild.model import BibEntry, Source

    entry = BibEntry("k", "article", tuple(fields), Source("refs.bib", 1))
    said = [str(p) for p in bibcheck.special_characters([entry], {"k"})]
    expected = []
    for name, value in fields:  # the check as it reads each printed field, without the quick look first
        if name not in bibcheck.PRINTED or not bibcheck._SPECIAL.search(value):
            continue
        text = bibcheck._VERBATIM_ARG.sub("", bibcheck._MATH.sub("", bibcheck._concatenated_text(value)
                                                                   if "#" in value else value))
        if bibcheck._SPECIAL.search(text):
            expected.append(name)
    assert [s.split("field '")[1].split("'")[0] for s in said] == expected
