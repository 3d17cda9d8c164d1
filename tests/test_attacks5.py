"""Attacks of the fifth red-team round (docs/robustness.md, "Threat model"): what a pull request's files can make
surveybuild print, and the caches it commits. Each test fails without its fix."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import MINI, copy_survey, require_tool
from surveybuild.build import cache
from surveybuild.cli import main


def run(capfd, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(root), *args])
    out = capfd.readouterr()
    return code, out.out, out.err


# -- messages are one line each: no GitHub Actions workflow command from a file's text ----------------------

HOSTILE_ROW = '''  - name: Evil
    cite: "nokey\\n::add-mask::secret\\r::stop-commands::x"
    "field\\u2028::error file=a::spoofed\\n::set-env name=A::B": 1
'''


@pytest.mark.parametrize("command", ["check", "build", "paper"])
def test_a_message_quoting_a_line_break_stays_one_line(tmp_path, capfd, monkeypatch, command):
    """``surveybuild paper`` in the workflow prints problems as text on stderr, which the Actions runner reads
    for ``::command::`` lines too: a cite key or a YAML key holding a line break must not start one."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    root = copy_survey(MINI, tmp_path / "proj")
    models = root / "tables/models.yaml"
    models.write_text(models.read_text("utf-8") + HOSTILE_ROW, "utf-8")
    code, out, err = run(capfd, root, command)
    assert code == 1
    lines = (out + err).splitlines()  # splitlines: \n, \r, U+2028 and the other separators
    assert not [line for line in lines if line.lstrip().startswith("::")], lines
    assert any("cite key 'nokey\\n::add-mask::secret\\r::stop-commands::x' not in refs.bib" in line for line in lines)
    assert any("unknown field 'field\\u2028::error file=a::spoofed\\n::set-env name=A::B'" in line for line in lines)


def test_github_annotations_stay_one_line_each(tmp_path, capfd):
    """(Already so before this round: a guard.) The runner splits on \\n and \\r, which the annotation escapes."""
    root = copy_survey(MINI, tmp_path / "proj")
    models = root / "tables/models.yaml"
    models.write_text(models.read_text("utf-8") + HOSTILE_ROW, "utf-8")
    code, out, err = run(capfd, root, "check", "--format", "github")
    assert code == 1
    annotations = out.split("\n")[:-1]
    assert annotations and all(line.startswith("::error file=") and "models.yaml,line=" in line for line in annotations), out
    assert not [line for line in err.splitlines() if line.startswith("::")]


# -- caches: nothing the repository commits in .surveybuild-cache/ or paper/build/ is trusted -------------------

BROKEN = ("cite: taori2023alpaca", "cite: nosuchkey9999")


def forge_record(root: Path) -> None:
    """What an attacker who knows the machine's code (a public image: the same files, sizes and times) writes:
    the record of a clean build whose inputs are exactly the broken ones, under the key this folder has."""
    data = json.loads((root / cache.RECORD).read_text("utf-8"))
    data["code"] = cache.cache_key(root)
    data["inputs"] = {rel: cache.file_digest(root / rel) if (root / rel).exists() else None for rel in data["inputs"]}
    data["stats"], data["problems"] = {}, []
    (root / cache.RECORD).write_text(json.dumps(data), "utf-8")


def test_a_committed_build_record_is_not_trusted(tmp_path, capfd):
    """A record is trusted only in the folder whose build wrote it: in the attacker's own folder the forged record
    is a hit (so the forgery is a real one), in a checkout of it (a copy: new files) check reads everything."""
    attacker = copy_survey(MINI, tmp_path / "attacker")
    assert run(capfd, attacker, "build")[0] == 0
    models = attacker / "tables/models.yaml"
    models.write_text(models.read_text("utf-8").replace(*BROKEN), "utf-8")
    forge_record(attacker)
    assert run(capfd, attacker, "check")[0] == 0  # the forgery works where it was made
    checkout = tmp_path / "checkout"
    shutil.copytree(attacker, checkout, symlinks=True)  # the pull request's files, cache folder and all
    code, out, err = run(capfd, checkout, "check", "--format", "github")
    assert code == 1
    assert "cite key 'nosuchkey9999' not in refs.bib" in out


def test_a_committed_paper_record_is_not_trusted(tmp_path, capfd):
    """paper/build/surveybuild-inputs.json vouching for a committed PDF (the CI's folder is known: the record's
    'root' is no secret) must not make `surveybuild paper` skip TeX."""
    root = copy_survey(MINI, tmp_path / "proj")
    main_tex = root / "paper/main.tex"
    main_tex.write_text(main_tex.read_text("utf-8").replace("\\end{document}", "\\undefinedbyattacker\n\\end{document}"),
                        "utf-8")
    assert run(capfd, root, "paper")[0] == 1  # widths measured, tables final, the TeX error found
    from surveybuild.build import texrun
    from surveybuild.readers.read import read_survey
    from surveybuild.readers.texinputs import find_inputs

    survey = read_survey(root)
    state = texrun.input_state(root, main_tex, find_inputs(main_tex, root, (root,)), survey.settings.engine)
    pdf = b"%PDF-1.5\n% a page the attacker chose\n%%EOF\n"
    state["local"] = "guessed"  # what a repository can commit: it cannot know this checkout's identity
    build_dir = root / "paper/build"
    build_dir.mkdir(exist_ok=True)
    (build_dir / "main.pdf").write_bytes(pdf)
    (build_dir / texrun.STATE_FILE).write_text(json.dumps(dict(state, pdf=texrun.pdf_identity(pdf), problems=[])))
    code, out, err = run(capfd, root, "paper")
    assert "up to date" not in err
    assert code == 1 and "paper/main.tex:18: error: LaTeX error: Undefined control sequence" in err


def test_a_cache_folder_linked_elsewhere_is_neither_written_nor_emptied(tmp_path, capfd):
    """.surveybuild-cache -> a folder of the user's: the build wrote its record there, replaced its .gitignore and
    deleted the *.svg files of its figures/ sub-folder."""
    root = copy_survey(MINI, tmp_path / "proj")
    victim = tmp_path / "victim"
    (victim / "figures").mkdir(parents=True)
    (victim / "figures/mine.svg").write_text("<svg/>", "utf-8")
    (victim / ".gitignore").write_text("mine\n", "utf-8")
    (root / cache.CACHE_DIR).symlink_to(victim)
    assert run(capfd, root, "build")[0] == 0
    assert run(capfd, root, "build")[0] == 0
    assert sorted(p.relative_to(victim).as_posix() for p in victim.rglob("*")) == [".gitignore", "figures",
                                                                                    "figures/mine.svg"]
    assert (victim / ".gitignore").read_text("utf-8") == "mine\n"


@pytest.mark.parametrize("command", ["check", "build"])
def test_cache_files_linked_to_a_device_are_a_miss_not_a_hang(tmp_path, capfd, command):
    """`.surveybuild-cache/build.json -> /dev/zero` made check read until memory ran out; a table or a .bib linked
    to /dev/zero made build hash it forever before the readers refused the link."""
    root = copy_survey(MINI, tmp_path / "proj")
    folder = root / cache.CACHE_DIR
    folder.mkdir()
    for name in ("build.json", "bib.json", "references.json", "local-id"):
        (folder / name).symlink_to("/dev/zero")
    (root / "tables/zz.yaml").symlink_to("/dev/zero")
    (root / "extra.bib").symlink_to("/dev/zero")
    started = time.monotonic()
    code, out, err = run(capfd, root, command)
    assert time.monotonic() - started < 20
    assert code == 1 and "tables/zz.yaml is a symbolic link to /dev/zero, outside the survey folder" in err


# -- LaTeX nested deeper than pylatexenc's recursion; hazards counted from the file's start -------------------

DEEP = ["\\\\(" * 3000, "{" * 3000 + "}" * 3000, "$\\\\begin{cases}" * 1000]


@pytest.mark.parametrize("latex", DEEP, ids=["math", "braces", "environments"])
def test_deeply_nested_latex_in_a_cell_is_a_placed_error(tmp_path, capfd, latex):
    """pylatexenc reads a group inside a group by recursion: a RecursionError was an internal error."""
    root = copy_survey(MINI, tmp_path / "proj")
    models = root / "tables/models.yaml"
    models.write_text(models.read_text("utf-8").replace("    base: OPT\n", f'    base: "{latex}"\n', 1), "utf-8")
    code, out, err = run(capfd, root, "check")
    assert code == 1 and "internal error" not in err
    assert "column 'base': LaTeX nested too deeply to read" in err and "tables/models.yaml:" in err


@pytest.mark.parametrize("latex", DEEP, ids=["math", "braces", "environments"])
def test_deeply_nested_latex_in_a_cited_bib_field_is_no_crash(tmp_path, capfd, latex):
    root = copy_survey(MINI, tmp_path / "proj")
    models = root / "tables/models.yaml"
    models.write_text(models.read_text("utf-8").replace("cite: taori2023alpaca", "cite: [taori2023alpaca, deep]"),
                      "utf-8")
    bib = root / "refs.bib"
    field = latex.replace("\\\\", "\\")
    bib.write_text(bib.read_text("utf-8") + f"\n@article{{deep, author={{A B}}, title={{{field}}}, year={{2024}}}}\n",
                   "utf-8")
    code, out, err = run(capfd, root, "check")
    assert "internal error" not in err and "Traceback" not in err


def test_deeply_nested_latex_in_the_paper_is_a_placed_error(tmp_path):
    """The paper's inputs are found with pylatexenc too (`surveybuild paper`, `arxiv`)."""
    from surveybuild.readers.texinputs import find_inputs

    root = copy_survey(MINI, tmp_path / "proj")
    main_tex = root / "paper/main.tex"
    main_tex.write_text(main_tex.read_text("utf-8").replace("\\end{document}", "{" * 3000 + "\n\\end{document}"),
                        "utf-8")
    inputs = find_inputs(main_tex, root, (root,))
    assert [str(p) for p in inputs.problems] == [
        "paper/main.tex: error: LaTeX nested too deeply to read (groups, math or environments hundreds of levels "
        "inside one another: flatten them)"]


def test_many_hazards_in_a_bib_are_placed_in_linear_time():
    """Each hazard's line was counted from the file's start: 200,000 '^^' in one field took ~25 s."""
    from surveybuild.readers import bibread

    text = "@misc{a, title={x}}\n" * 50 + "@misc{b, title={" + "^^" * 200_000 + "}}\n"
    started = time.monotonic()
    problems = bibread.tex_hazards(text, "refs.bib")
    assert time.monotonic() - started < 8
    assert len(problems) == 200_000
    assert str(problems[-1].source) == f"refs.bib:51:{17 + 2 * 199_999}"


# -- the README template: bounded in memory and time (jinja2's sandbox bounds neither) ------------------------

@pytest.mark.parametrize("payload, says", [
    ('{{ ("a" * 3000000000)|length }}', "it asked for more than 1024 MB of memory"),
    ('{% set ns = namespace(s="ab") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}',
     "it asked for more than 1024 MB of memory"),
    ('{{ "%3000000000s"|format(1) }}', "it asked for more than 1024 MB of memory"),
    ('{{ "x"|center(3000000000) }}', "it asked for more than 1024 MB of memory"),
    ("{{ (2 ** 30000000000) > 1 }}", "not allowed: 2 ** 30000000000 is a number of more than 16777216 bits"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "it ran longer than 1 s"),
    ("{{ lipsum(100000000)|length }}", "it ran longer than 1 s"),
], ids=["multiply", "double", "percent", "center", "power", "loops", "lipsum"])
def test_a_template_asking_for_any_memory_or_time_is_stopped(tmp_path, capfd, monkeypatch, payload, says):
    import resource
    import signal

    from surveybuild.renderers import templating

    limit = resource.getrlimit(resource.RLIMIT_AS)
    monkeypatch.setattr(templating, "TEMPLATE_SECONDS", 1 if "ran longer" in says else 60)  # memory: may take time
    root = copy_survey(MINI, tmp_path / "proj")
    template = root / "templates/README.md.j2"
    template.write_text(template.read_text("utf-8") + payload + "\n", "utf-8")
    started = time.monotonic()
    code, out, err = run(capfd, root, "check")
    assert time.monotonic() - started < 90
    assert code == 1 and "templates/README.md.j2:" in err and f"error: template error: {says}" in err
    assert resource.getrlimit(resource.RLIMIT_AS) == limit  # put back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


# -- biber reads a config file from the paper's folder -------------------------------------------------------

BIBER_CONF = """<?xml version="1.0" encoding="UTF-8"?>
<config>
  <output_file>{target}</output_file>
</config>
"""


def test_a_committed_biber_conf_is_not_read(tmp_path, capfd):
    """biber looks for biber.conf and .biber.conf in the folder it runs in (the paper's, so the repository's): its
    output_file option wrote the .bbl (fields the pull request chose) to any path, ~/.bashrc as well."""
    require_tool("latexmk")
    require_tool("biber")
    assert main(["init", str(tmp_path / "proj"), "--biblatex"]) == 0
    root = tmp_path / "proj"
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in ("biber.conf", ".biber.conf"):
        (root / "paper" / name).write_text(BIBER_CONF.format(target=outside / name), "utf-8")
    capfd.readouterr()
    code, out, err = run(capfd, root, "paper")
    assert sorted(outside.iterdir()) == []
    assert code == 0, err
    assert "\\entry{taori2023alpaca}" in (root / "paper/build/work/main.bbl").read_text("utf-8")


# -- TeX that never ends ---------------------------------------------------------------------------------------

def _processes_in(folder: Path) -> list[int]:
    """The processes whose working folder is below ``folder``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_a_paper_that_loops_forever_is_stopped(tmp_path, capfd, monkeypatch):
    """latexmk ran without a time limit: `\\def\\x{\\x}\\x` in the paper hung `surveybuild paper` (and CI) for good."""
    require_tool("latexmk")
    from surveybuild.build import texrun

    monkeypatch.setattr(texrun, "LATEXMK_TIMEOUT", 8.0)
    root = copy_survey(MINI, tmp_path / "proj")
    main_tex = root / "paper/main.tex"
    main_tex.write_text(main_tex.read_text("utf-8").replace("\\end{document}", "\\def\\x{\\x}\\x\n\\end{document}"),
                        "utf-8")
    started = time.monotonic()
    code, out, err = run(capfd, root, "paper")
    assert time.monotonic() - started < 120
    assert code == 1 and "paper/main.tex: error: TeX ran longer than 8 s and was stopped" in err
    assert _processes_in(tmp_path) == []  # latexmk and its pdflatex, both stopped


def test_a_path_holding_a_nul_byte_is_refused_not_raised(tmp_path):
    """A URL's %00 reached paths.outside through the preview (a traceback in the server's log)."""
    from surveybuild import paths

    assert "holds a NUL byte" in paths.outside(tmp_path, tmp_path / "README.md\0.png")
    assert paths.real(tmp_path / "a\0b") is None


# -- engines whose reach kpathsea's rules do not bound --------------------------------------------------------

LUA = ("\\directlua{{local f = io.open('{target}', 'w') if f then f:write('pwned') f:close() end}}"
       "\\directlua{{for line in io.lines('{secret}') do tex.print(line) end}}")
XETEX = '\\XeTeXpdffile "{secret}" page 1 '


@pytest.mark.parametrize("engine, payload", [("lualatex", LUA), ("xelatex", XETEX)])
def test_an_engine_that_reaches_every_file_runs_only_when_trusted(tmp_path, capfd, monkeypatch, engine, payload):
    """LuaTeX's io.open and io.lines, and XeTeX's \\XeTeXpdffile, ignore openin_any/openout_any: with `engine:
    lualatex` a pull request's paper wrote any file (code run at the next login) and read any into the PDF."""
    require_tool("latexmk")
    require_tool(engine)
    monkeypatch.delenv("SURVEYBUILD_TRUSTED_ENGINES")
    root = copy_survey(MINI, tmp_path / "proj")
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 SECRET\n%%EOF\n")
    (root / "surveybuild.yaml").write_text(f"engine: {engine}\n", "utf-8")
    main_tex = root / "paper/main.tex"
    main_tex.write_text(main_tex.read_text("utf-8").replace(
        "\\begin{document}", "\\begin{document}" + payload.format(target=outside / "pwned", secret=secret)), "utf-8")
    code, out, err = run(capfd, root, "paper")
    assert sorted(outside.iterdir()) == []
    assert code == 1
    assert (f"surveybuild.yaml:1:9: error: engine '{engine}' is not run for a paper that is not trusted" in err
            and f"set SURVEYBUILD_TRUSTED_ENGINES={engine} in the environment" in err)
    assert not (root / "paper/build").exists()  # no TeX ran, not even to measure the cells


def test_a_bibliography_that_is_a_folder_is_named(tmp_path, capfd):
    """refs.bib committed as a folder: every cite key was 'not in refs.bib' beside a warning that the file was not
    in the survey folder; now the paper's \\bibliography line says what is wrong."""
    root = copy_survey(MINI, tmp_path / "proj")
    (root / "refs.bib").unlink()
    (root / "refs.bib").mkdir()
    code, out, err = run(capfd, root, "check")
    assert code == 1
    assert "paper/main.tex:17: error: bibliography 'refs.bib': refs.bib is not a file" in err
