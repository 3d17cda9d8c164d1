"""``<paper>/tables/widths.json``: the table cells' widths as TeX set them (written by
``surveybuild paper``, :mod:`surveybuild.build.texmeasure`; read by every build and ``check``)."""

from __future__ import annotations

import json

from ..model import MeasuredWidths, Problem, Source

FORMAT = 1
#: Below the paper's folder (the same as surveybuild.build.cache.WIDTHS_FILE: a test keeps them equal).
WIDTHS_FILE = "tables/widths.json"
MAX_PT = 16383.99  # TeX's largest dimension


def parse(text: str, shown: str) -> tuple[MeasuredWidths, list[Problem]]:
    """The committed widths file's text -> its widths; a file not as
    :func:`surveybuild.build.texmeasure.render` writes it is ignored with a warning (it is only an aid:
    the estimate stands in)."""
    try:
        data = json.loads(text)
        engine, preamble = data["engine"], data["preamble"]
        if data.get("format") != FORMAT or not isinstance(engine, str) or not isinstance(preamble, str):
            raise ValueError("unknown format")
        widths = {}
        for font, tex, natural, word in data["widths"]:
            if natural is None and word is None and isinstance(font, str) and isinstance(tex, str):
                widths[(font, tex)] = None  # TeX could not set it: estimated
                continue
            if not (isinstance(font, str) and isinstance(tex, str)
                    and all(type(w) in (int, float) and 0 <= w <= MAX_PT for w in (natural, word))):
                raise ValueError(f"bad entry {[font, tex, natural, word]!r:.80}")
            widths[(font, tex)] = (float(natural), float(word))
    except (ValueError, KeyError, TypeError) as exc:
        return MeasuredWidths(), [Problem(Source(shown), f"not a widths file surveybuild writes ({exc}): ignored, "
                                          "the tables use estimated widths", "warning",
                                          hint="delete it: 'surveybuild paper' measures the widths again")]
    return MeasuredWidths(engine, preamble, widths), []
