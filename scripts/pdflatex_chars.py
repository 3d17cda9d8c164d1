"""Write src/surveybuild/pdflatex_chars.json: the characters pdflatex typesets as surveybuild writes them.

pylatexenc knows a LaTeX macro for many characters, but some macros need a font encoding or a
package the paper does not load (\\CYRA needs T2A, \\textschwa tipa, ...). This script compiles every
non-ASCII character pylatexenc can write, each in its own paragraph, under the preamble surveybuild
gives pdflatex (fonts.preamble + amssymb + pifont, \\tracinglostchars=3), and keeps those without an
error. ``texlang.escape.escape`` refuses every other character, so ``check`` is sound: TeX finds no character
error check missed. tests/test_scripts.py compiles the kept set again (one run, no error).

Run: .venv/bin/python scripts/pdflatex_chars.py   (needs pdflatex; about 2 s)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from surveybuild.texlang import escape as latex  # noqa: E402  (latex.escape, latex.UnencodableText)

#: Where pylatexenc's table has entries: Latin-1 to CJK symbols, alphabetic presentation forms, math letters.
SWEEP = [(0xA0, 0x2FFF), (0xFB00, 0xFB4F), (0x1D400, 0x1D7FF)]


def candidates() -> list[tuple[str, str]]:
    out = []
    for low, high in SWEEP:
        for code in range(low, high + 1):
            ch = chr(code)
            # a combining mark is an accent on the letter before it (e + U+0301 -> \\'e): tried on a letter
            text = "e" + ch if unicodedata.category(ch) == "Mn" else ch
            try:
                out.append((ch, latex.escape(text, "pdflatex", (), verified=False)))
            except latex.UnencodableText:
                pass
    return out


def document(chars: list[tuple[str, str]]) -> str:
    body = "\n".join(f"{{{text}}}\\par" for _, text in chars)  # a group: no macro reads the next line
    return ("\\documentclass{article}\n" + latex.script_preamble("pdflatex", []) + "\\tracinglostchars=3\n"
            "\\begin{document}\n" + body + "\n\\end{document}\n")


def failing_lines(tex: str) -> set[int]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sweep.tex").write_text(tex, "utf-8")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "sweep.tex"], cwd=tmp, capture_output=True)
        log = (Path(tmp) / "sweep.log").read_text("utf-8", errors="replace")
    return {int(n) for n in re.findall(r"^l\.(\d+) ", log, re.M)}


def main() -> None:
    chars = candidates()
    while True:
        tex = document(chars)
        first = tex.split("\n").index("\\begin{document}") + 2  # the line of chars[0]
        bad = {n - first for n in failing_lines(tex)}
        if not bad:
            break
        chars = [c for i, c in enumerate(chars) if i not in bad]
    codes = sorted(ord(ch) for ch, _ in chars)
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    out = ROOT / "src" / "surveybuild" / "pdflatex_chars.json"
    out.write_text(json.dumps({"about": "characters pdflatex typesets as surveybuild writes them "
                               "(scripts/pdflatex_chars.py)", "ranges": ranges}) + "\n", "utf-8")
    print(f"{out.relative_to(ROOT)}: {len(codes)} characters in {len(ranges)} ranges")


if __name__ == "__main__":
    main()
