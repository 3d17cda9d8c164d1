"""GitHub's heading anchors: the ids it gives a README's headings (what ``[x](#anchor)`` links to)."""

from __future__ import annotations

#: The ASCII characters GitHub's slugger drops from a heading (its controls and punctuation but ``-`` and
#: ``_``); a space becomes ``-``. tests/test_readme_gfm.py holds this against github-slugger itself.
_SLUG_DROP = {c: None for c in [*range(32), 127, *b"!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~"]}
_SLUG_DROP[32] = "-"


class Slugger:
    """GitHub's heading anchors (github-slugger's ``GithubSlugger``), ASCII headings made without it:
    importing it and its per-character matching of Unicode ranges cost tens of ms a build."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self._library = None

    def slug(self, text: str) -> str:
        if text.isascii():
            base = text.lower().translate(_SLUG_DROP)
        else:
            if self._library is None:
                from github_slugger import slug as library_slug

                self._library = library_slug
            base = self._library(text)
        found, count = base, self.seen.get(base, 0)
        while found in self.seen:  # a repeated anchor gets -1, -2, ... (as GitHub numbers them)
            count += 1
            found = f"{base}-{count}"
        self.seen[base] = count
        self.seen[found] = 0
        return found
