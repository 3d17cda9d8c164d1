"""What each TeX engine can typeset, and the preamble lines that set its fonts up.

``pdflatex`` typesets what ``inputenc``/``fontenc`` (T1, Latin Modern) and pylatexenc's macros
cover, plus the survey's symbol map. ``lualatex`` uses fontspec with Latin Modern and a fallback
chain of Debian's fonts (Noto Serif CJK for CJK, Symbola for symbols and monochrome emoji): a
character is typeset when one font of the chain has a glyph for it. ``xelatex`` has no fallback
chain: Latin Modern alone. ``check`` asks :func:`has_glyph`, the preamble comes from
:func:`preamble`: one list of fonts for both, so the check cannot disagree with what TeX is given.

Colour emoji: Noto Color Emoji is a bitmap (CBDT) font; xelatex cannot use it and lualatex
draws it as pictures that carry no text (pdftotext finds nothing), so the chain uses Symbola's
outline emoji, which are text in the PDF.
"""

from __future__ import annotations

import functools
import shutil

ENGINES = ("pdflatex", "xelatex", "lualatex")
MAIN_FONTS = {"main": "Latin Modern Roman", "sans": "Latin Modern Sans", "mono": "Latin Modern Mono"}
#: lualatex's fallback chain, in order: the first font with a glyph typesets the character
FALLBACK_FONTS = ("Noto Serif CJK SC", "Symbola")
#: the Debian packages that hold the fonts (scripts/install.sh installs them)
FONT_PACKAGES = "fonts-noto-cjk fonts-symbola"


def fonts(engine: str) -> tuple[str, ...]:
    """The fonts whose glyphs ``engine`` typesets text with (none for pdflatex: its fonts are TeX's)."""
    if engine == "lualatex":
        return (MAIN_FONTS["main"],) + FALLBACK_FONTS
    if engine == "xelatex":
        return (MAIN_FONTS["main"],)
    return ()


@functools.cache
def _charset(family: str) -> tuple[tuple[int, int], ...] | None:
    """The code point ranges of an installed font family (by fontconfig, as TeX finds it); None when absent."""
    if shutil.which("fc-match") is None:
        return None
    import subprocess  # here: the build imports this module, and runs fc-match only for xelatex and lualatex

    found = subprocess.run(["fc-match", "-f", "%{family}|%{charset}", family], capture_output=True, text=True)
    names, _, charset = found.stdout.partition("|")
    if found.returncode or family.casefold() not in (n.strip().casefold() for n in names.split(",")):
        return None
    ranges = []
    for part in charset.split():
        low, _, high = part.partition("-")
        ranges.append((int(low, 16), int(high or low, 16)))
    return tuple(ranges)


def missing_fonts(engine: str) -> list[str]:
    """The fonts ``engine`` needs that fontconfig does not find."""
    return [f for f in fonts(engine) if _charset(f) is None]


@functools.lru_cache(maxsize=65536)
def has_glyph(engine: str, ch: str) -> bool:
    """Whether one of ``engine``'s fonts has a glyph for ``ch`` (xelatex, lualatex)."""
    code = ord(ch)
    for family in fonts(engine):
        for low, high in _charset(family) or ():
            if low <= code <= high:
                return True
    return False


#: lualatex has no CJK line breaking of its own (luatexja is not installed): a Lua filter lets a line break
#: between two characters when one is CJK (ideographs, kana, fullwidth forms), never before closing or after
#: opening punctuation, with a little stretch. ``fit.words`` measures columns by the same rule.
CJK_BREAKS = r"""\directlua{
local GLYPH, GLUE = node.id("glyph"), node.id("glue")
local function cjk(c) return (c >= 0x2E80 and c <= 0x9FFF) or (c >= 0xF900 and c <= 0xFAFF)
  or (c >= 0xFF00 and c <= 0xFFEF) or (c >= 0x20000 and c <= 0x3FFFF) end
local noafter, nobefore = {}, {}
for _, c in utf8.codes("（［｛〔〈《「『【〘〖〝‘“") do noafter[c] = true end
for _, c in utf8.codes("，。、．：；！？）］｝〕〉》」』】〙〗〟’”・ーゝゞ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ") do nobefore[c] = true end
local function breaks(head)
  for n in node.traverse_id(GLYPH, head) do
    local nx = n.next
    if nx and nx.id == GLYPH and (cjk(n.char) or cjk(nx.char)) and not noafter[n.char] and not nobefore[nx.char] then
      local g = node.new(GLUE)
      node.setglue(g, 0, 16384, 0, 0, 0)
      node.insert_after(head, n, g)
    end
  end
  return head
end
luatexbase.add_to_callback("pre_linebreak_filter", breaks, "surveybuild.cjkbreaks")
luatexbase.declare_callback_rule("pre_linebreak_filter", "surveybuild.cjkbreaks", "before", "luaotfload.node_processor")
}
"""


def preamble(engine: str) -> str:
    """The font set-up for ``engine``, for the paper's preamble (before hyperref)."""
    if engine == "pdflatex":
        return "\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n\\usepackage{lmodern}\n"
    lines = ["\\usepackage{fontspec}"]
    features = ""
    if engine == "lualatex":
        chain = ", ".join(f'"{f}:mode=harf;"' for f in FALLBACK_FONTS)
        lines.append(f'\\directlua{{luaotfload.add_fallback("surveybuild", {{{chain}}})}}')
        features = "[RawFeature={fallback=surveybuild}]"
        lines.append(CJK_BREAKS.rstrip("\n"))
    for kind, family in MAIN_FONTS.items():
        lines.append(f"\\set{kind}font{{{family}}}{features}")
    lines.append("\\tracinglostchars=3 % a character no font has is an error, as check says")
    return "\n".join(lines) + "\n"
