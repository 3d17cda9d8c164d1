"""Write a realistic synthetic survey folder that ``surveybuild build`` builds.

    python benchmarks/generate.py --rows 2000 --entries 10000 -o /tmp/survey

The folder holds several tables (row groups, column groups, notes, URL, size,
bool and list columns, LaTeX cells with accents and cites), a refs.bib (accents,
braces in titles, @string, month macros, a few concatenations, abstracts on some
entries), a README template and a paper whose sections cite every entry the
tables do not, so a build is clean: no errors, no "never cited" warnings.
The output depends only on the arguments (a fixed seed).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from surveybuild.renderers.latex import TABLE_PACKAGES

SURNAMES = ["Zhang", "Wang", "Li", "Müller", "García", "Nguyễn", "Øster", "Dubois", "Kovač", "Smith",
            "Touvron", "Brown", "Ouyang", "Chung", "Taori", "Köhler", "Łukasz", "Sánchez", "O'Neil", "Ivanov"]
SURNAMES_TEX = {"Müller": r"M{\"u}ller", "García": r"Garc{\'\i}a", "Nguyễn": r"Nguy{\~\^e}n", "Øster": r"{\O}ster",
                "Kovač": r"Kova{\v{c}}", "Köhler": r"K{\"o}hler", "Łukasz": r"{\L}ukasz", "Sánchez": r"S{\'a}nchez"}
GIVEN = ["Rohan", "Ishaan", "Tianyi", "Yann", "Xuechen", "Carlos", "Percy", "Hugo", "Shengyu", "Linfeng",
         "Jérôme", "Zoë", "Ana", "Björn", "Mei", "Omar"]
GIVEN_TEX = {"Jérôme": r"J{\'e}r{\^o}me", "Zoë": r"Zo{\"e}", "Björn": r"Bj{\"o}rn"}
WORDS = ["instruction", "tuning", "large", "language", "models", "alignment", "data", "synthetic", "evaluation",
         "benchmark", "multimodal", "reasoning", "efficient", "adapters", "human", "feedback", "preference",
         "scaling", "open", "corpus", "chain-of-thought", "retrieval", "agents", "code", "medical", "legal"]
BRACED = ["{LLaMA}", "{GPT}-4", "{BERT}", "{T5}", "{RLHF}", "{LoRA}", "{CLIP}", "{Alpaca}", "{AI}"]
VENUES = [("acl", "Proceedings of the Annual Meeting of the Association for Computational Linguistics"),
          ("emnlp", "Proceedings of the Conference on Empirical Methods in Natural Language Processing"),
          ("neurips", "Advances in Neural Information Processing Systems"),
          ("iclr", "International Conference on Learning Representations")]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
BASES = [("LLaMA",), ("T5",), ("GPT-3",), ("BLOOM",), ("OPT",)]


def tex_name(name: str, table: dict[str, str]) -> str:
    return table.get(name, name)


def title(rng: random.Random, n: int) -> str:
    words = rng.sample(WORDS, rng.randint(4, 9))
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), rng.choice(BRACED))
    text = " ".join(words)
    return f"{rng.choice(['Orca', 'Vicuna', 'Koala', 'Dolly', 'Tulu'])}-{n}: " + text[0].upper() + text[1:]


def abstract(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(6, 12)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(12, 24))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences) + " We release code at \\url{https://example.org/x} and reach 90\\% accuracy."


def bib_entry(rng: random.Random, key: str, n: int) -> str:
    authors = " and ".join(
        f"{tex_name(rng.choice(SURNAMES), SURNAMES_TEX)}, {tex_name(rng.choice(GIVEN), GIVEN_TEX)}"
        for _ in range(rng.randint(1, 6)))
    kind = rng.random()
    year = rng.randint(2018, 2025)
    lines = [f"  author = {{{authors}}}", f"  title = {{{title(rng, n)}}}"]
    if kind < 0.45:
        kind_name = "article"
        arxiv = f"{year % 100:02d}{rng.randint(1, 12):02d}.{n:05d}"  # unique: no preprint/published pairs
        lines += [f"  journal = {{arXiv preprint arXiv:{arxiv}}}", f"  year = {{{year}}}",
                  f"  eprint = {{{arxiv}}}", "  archivePrefix = {arXiv}"]
    elif kind < 0.8:
        kind_name = "inproceedings"
        venue = rng.choice(VENUES)[0]
        lines += [f"  booktitle = {venue}", f"  year = {year}", f"  month = {rng.choice(MONTHS)}",
                  f"  pages = {{{rng.randint(1, 900)}--{rng.randint(901, 999)}}}"]
        if rng.random() < 0.05:
            lines[-2] = f'  month = {rng.choice(MONTHS)} # "~{rng.randint(1, 28)}"'
    else:
        kind_name = "misc"
        lines += [f'  howpublished = "\\url{{https://github.com/example/{key}}}"', f"  year = {{{year}}}",
                  f'  note = "Accessed {rng.choice(["2023", "2024"])}"']
    if rng.random() < 0.33:
        lines.append(f"  abstract = {{{abstract(rng)}}}")
    if rng.random() < 0.3:
        lines.append(f"  doi = {{10.{rng.randint(1000, 9999)}/{key}}}")
    return f"@{kind_name}{{{key},\n" + ",\n".join(lines) + "\n}\n"


# The tables: (id, share of the rows, grouped rows?, column groups?)
TABLES = [("models", 0.30, True, True), ("datasets", 0.30, True, False), ("methods", 0.15, False, False),
          ("evaluations", 0.15, False, True), ("domains", 0.10, True, False)]


def yaml_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def table_yaml(rng: random.Random, table_id: str, n_rows: int, grouped: bool, column_groups: bool,
               keys: list[str], base_keys: dict[str, str]) -> str:
    groups = [("human", "Human-Crafted"), ("synthetic", "Synthetic via \\textit{Distillation}"),
              ("mixed", "Mixed: Human \\& Synthetic")] if grouped else []
    cg = "Training Data" if column_groups else None
    cols = [("name", "Name", "latex", "l", None), ("params", "# Params", "size", "r", None),
            ("project", "Project", "url", "l", None), ("base", "Base Model", "latex", "l", None),
            ("open", "Open", "bool", "c", None), ("langs", "Languages", "list", "l", cg),
            ("trainset", "Data", "text", "l", cg), ("size", "Size", "size", "r", cg)]
    out = ["# yaml-language-server: $schema=../schema/table.schema.json",
           f"caption: Synthetic {table_id} table for the benchmark (\\textit{{{n_rows} rows}}).",
           f"section: {table_id.capitalize()}", "columns:"]
    for key, t, typ, align, group in cols:
        extra = f", group: {group}" if group else ""
        out.append(f"  - {{key: {key}, title: {yaml_str(t)}, type: {typ}, align: {align}{extra}}}")
    if groups:
        out.append("groups:")
        out += [f"  - {{id: {gid}, title: {yaml_str(gt)}}}" for gid, gt in groups]
    out += ["notes:", "  tokens: Size counted in tokens, not instructions.",
            f"  mixed: Partly translated, see~\\citep{{{base_keys['LLaMA']}}}.", "rows:"]
    used_notes = set()
    for i in range(n_rows):
        name = f"{table_id[:3].upper()}-{i:04d}"
        if i % 7 == 3:
            name = f"T\\\"{{U}}LU-{table_id}-{i}"
        elif i % 11 == 5:
            name = f"\\textsc{{Orca}}-{table_id}-{i}"
        out.append(f"  - name: {yaml_str(name)}")
        key = keys[i]
        out.append(f"    cite: {key}" if i % 9 else f"    cite: [{key}, {base_keys['T5']}]")
        if groups:
            out.append(f"    group: {groups[i % len(groups)][0]}")
        if i % 13 != 4:
            out.append(f"    params: {rng.choice(['7B', '13B', '6.7B', '70B', '175B', '1.4T', '~1M', '300K+'])}")
        out.append(f"    project: https://github.com/example/{table_id}-{i}")
        base = rng.choice(BASES)[0]
        if i % 4 == 0:
            cited = base + "~\\citep{" + base_keys[base] + "}"
            out.append(f"    base: {yaml_str(cited)}")
        elif i % 4 == 1:
            out.append(f"    base: {base}")
        elif i % 4 == 2:
            both = base + " \\& " + rng.choice(BASES)[0]
            out.append(f"    base: {yaml_str(both)}")
        out.append(f"    open: {'true' if i % 3 else 'false'}")
        out.append(f"    langs: [{', '.join(rng.sample(['en', 'zh', 'de', 'fr', 'multi'], rng.randint(1, 3)))}]")
        out.append(f"    trainset: {yaml_str(rng.choice(['Self-Instruct', 'Alpaca_data', 'ShareGPT (90K)', 'P3 & FLAN', 'Dolly-15k']))}")
        out.append(f"    size: {rng.choice(['52K', '1.5M', '15K', '5K-5M', '161443', '3.5B'])}")
        if i % 10 == 1:
            note = "mixed" if i % 20 == 1 else "tokens"
            used_notes.add(note)
            out.append(f"    notes: [{note}]")
    for note in ("tokens", "mixed"):
        if note not in used_notes:  # every defined note must be used
            out.append(f"  - name: Extra-{note}\n    cite: {keys[0]}\n    notes: [{note}]"
                       + (f"\n    group: {groups[0][0]}" if groups else ""))
    return "\n".join(out) + "\n"


README = """\
{#- The README template of the synthetic benchmark survey. -#}
# A Synthetic Survey

Generated by `benchmarks/generate.py`. Please cite:

```bibtex
{{ bibtex("survey2024") }}
```

## Table of Contents

{{ toc(2, 3) }}

{% for id in tables %}
## {{ id | capitalize }}

{{ caption(id) }}

{{ table(id) }}
{% endfor %}

## References

{{ references() }}
"""

MAIN_TEX = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
""" + TABLE_PACKAGES + r"""\usepackage[numbers]{natbib}
\usepackage{url}
\usepackage{hyperref}
\begin{document}
\title{A Synthetic Survey}
\maketitle
\section{Introduction}
This survey \citep{survey2024} collects instruction-tuned models and datasets, most built on
%BASES%.
%TABLES%
%SECTIONS%
\bibliographystyle{plainnat}
\bibliography{../refs}
\end{document}
"""


def generate(out: Path, rows: int, entries: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "templates").mkdir(parents=True, exist_ok=True)
    (out / "paper" / "sections").mkdir(parents=True, exist_ok=True)
    base_keys = {"LLaMA": "touvron2023llama", "T5": "raffel2020t5", "GPT-3": "brown2020gpt3",
                 "BLOOM": "scao2022bloom", "OPT": "zhang2022opt"}
    fixed = ["survey2024", *base_keys.values()]
    n_keys = max(entries, rows + len(fixed))
    keys = fixed + [f"{rng.choice(SURNAMES).lower().replace(chr(39), '')}{2018 + i % 8}w{i}"
                    .encode("ascii", "ignore").decode() for i in range(n_keys - len(fixed))]
    row_keys = keys[len(fixed):len(fixed) + rows]
    # refs.bib
    bib = ["% Synthetic bibliography for the surveybuild benchmark.", ""]
    bib += [f'@string{{{abbr} = "{name}"}}' for abbr, name in VENUES] + [""]
    order = list(keys)
    rng.shuffle(order)
    for n, key in enumerate(order):
        bib.append(bib_entry(rng, key, n))
    (out / "refs.bib").write_text("\n".join(bib), "utf-8")
    # tables
    start = 0
    table_ids = []
    for i, (table_id, share, grouped, column_groups) in enumerate(TABLES):
        n = rows - start if i == len(TABLES) - 1 else max(1, round(rows * share))
        n = max(1, min(n, rows - start)) if start < rows else 0
        if n == 0:
            continue
        text = table_yaml(rng, table_id, n, grouped, column_groups, row_keys[start:start + n], base_keys)
        (out / "tables" / f"{table_id}.yaml").write_text(text, "utf-8")
        table_ids.append(table_id)
        start += n
    (out / "templates" / "README.md.j2").write_text(README, "utf-8")
    # paper: sections citing every entry the tables do not
    rest = keys[len(fixed) + rows:]
    sections = []
    per_section = 400
    for s in range(0, max(1, len(rest)), per_section):
        part = rest[s:s + per_section]
        name = f"related{s // per_section + 1:02d}"
        paras = []
        for p in range(0, len(part), 6):
            cite = ",".join(part[p:p + 6])
            paras.append(f"Work on {rng.choice(WORDS)} and {rng.choice(WORDS)} \\citep{{{cite}}}; "
                         f"see also \\citet{{{part[p]}}}.\n")
        body = f"\\section{{Related work {s // per_section + 1}}}\n% \\cite{{commented-out}}\n" + "".join(paras)
        (out / "paper" / "sections" / f"{name}.tex").write_text(body, "utf-8")
        sections.append(f"\\input{{sections/{name}}}")
    tables_tex = "\n".join(f"\\input{{tables/{t}}}" for t in table_ids)
    bases = ", ".join(f"{name}~\\citep{{{key}}}" for name, key in base_keys.items())
    main = MAIN_TEX.replace("%BASES%", bases).replace("%TABLES%", tables_tex).replace("%SECTIONS%", "\n".join(sections))
    (out / "paper" / "main.tex").write_text(main, "utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=200, help="table rows in all (default 200)")
    p.add_argument("--entries", type=int, default=1000, help="refs.bib entries (default 1000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--out", type=Path, required=True, help="the folder to write (created)")
    args = p.parse_args(argv)
    generate(args.out, args.rows, args.entries, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
