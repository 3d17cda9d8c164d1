#!/usr/bin/env bash
# Install what surveybuild needs on Debian: TeX Live and poppler from apt, then the
# package and its test tools into .venv. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=0
for tool in latexmk pdflatex bibtex pdftotext kpsewhich latexmlc lualatex xelatex biber fc-match chromium; do
  command -v "$tool" >/dev/null || need_apt=1
done
if [ "$need_apt" = 0 ]; then
  for sty in threeparttablex.sty booktabs.sty multirow.sty pdflscape.sty lmodern.sty natbib.sty; do
    kpsewhich "$sty" >/dev/null || need_apt=1
  done
  # engine: lualatex's fallback fonts for CJK and emoji (src/surveybuild/renderers/fonts.py)
  for family in "Noto Serif CJK SC" Symbola; do
    fc-list "$family" | grep -q . || need_apt=1
  done
fi
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt=1

if [ "$need_apt" = 1 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends \
    latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended \
    texlive-bibtex-extra lmodern poppler-utils latexml python3-venv python3-pip \
    texlive-luatex texlive-xetex biber fonts-noto-cjk fonts-symbola \
    chromium >/dev/null  # chromium: the preview's browser tests (Playwright drives it; never `playwright install`)
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[test]'
# an editable install leaves byte-compiling to the first runs; do it now, as a regular install does
.venv/bin/python -m compileall -q src/surveybuild >/dev/null
echo "surveybuild installed in .venv ($(.venv/bin/surveybuild --version))"
