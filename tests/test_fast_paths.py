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
