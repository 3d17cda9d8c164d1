"""Regression tests from a fifth round of public survey repositories tried as a stranger would: small inputs of
our own that reproduce what broke."""

from __future__ import annotations

import yaml

from surveybuild.importer import import_text, to_yaml


def _data(result, n=0):
    return yaml.safe_load(to_yaml(result.tables[n].table, "", "t"))


TABLE_IN_A_FIGURE = r"""\begin{figure}[t]
\centering
\begin{tabular}{|c|c|}
\hline
Approach & Accuracy \\
\hline
SVM \citep{svm} & 95.0 \\
CNN \citep{cnn} & 93.6 \\
\hline
\end{tabular}
\vspace*{-0.2cm}
\caption{Selected results for question classification.}
\label{fig:qc}
\end{figure}
"""


def test_a_table_set_in_a_figure_float_has_the_float_s_caption_and_label():
    """A paper that sets its tables in `figure` floats (brmson's QA survey): the caption under the tabular was not
    read ('(no caption)', a warning); the float's \\caption and \\label are the table's, as in a `table` float."""
    result = import_text(TABLE_IN_A_FIGURE, "t.tex")
    data = _data(result)
    assert data["caption"] == "Selected results for question classification."
    assert data["label"] == "fig:qc"
    assert not [p for p in result.problems if "no \\caption" in p.message]


EMPTY_LINE_UNDER_A_SPAN = r"""\begin{table}
\caption{Results.}
\begin{tabular}{lcc}
\toprule
\multirow{2}{*}{Model} & \multicolumn{2}{c}{\multirow{2}{*}{Score}} \\
 & & \\
\midrule
A & 12.5 & 13.1 \\
\multirow{2}{*}{B} & 9.0 & 8.0 \\
 & & \\
C & 7.5 & 7.0 \\
\bottomrule
\end{tabular}
\end{table}
"""


def test_an_empty_line_a_multirow_spans_is_no_row_and_the_span_stops_there():
    """`\\multirow{2}{*}{Model} & \\multicolumn{2}{c}{\\multirow{2}{*}{Score}} \\\\ & & \\\\ \\midrule`: the second
    line of the header holds no text, so it was dropped, and the header's \\multirow then reached into the first
    body row, which became the column titles ('A', '12.5'). A line without text is no row, but it is a line the
    span counts: the header is the one line above the rule, and a body \\multirow over an empty line spans its
    own row only (no warning that the span ended early)."""
    result = import_text(EMPTY_LINE_UNDER_A_SPAN, "t.tex")
    data = _data(result)
    assert [c["title"] for c in data["columns"]] == ["Model", "Score", "Score (2)"]
    assert [r["model"] for r in data["rows"]] == ["A", "B", "C"]
    assert data["rows"][1] == {"model": "B", "score": "9.0", "score_2": "8.0"}
    assert not [p for p in result.problems if "span ends before" in p.message]
