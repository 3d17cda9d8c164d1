"""surveybuild's own templates compiled ahead of time (renderers/compiled/, ``invoke compile-templates``): used
only while each is what its template, jinja2 and its environment make now, and rendering exactly as the template."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jinja2
import pytest

from surveybuild.build import pipeline
from surveybuild.renderers import templating
from surveybuild.renderers.templating import (PRECOMPILED, compiled_module, markdown_env, module_name,
                                              own_markdown_env, signature, source_digest)

from conftest import EDGE, MINI, copy_survey

COMPILED = Path(templating.__file__).resolve().parent / "compiled"


@pytest.mark.parametrize("name", sorted(PRECOMPILED))
def test_each_compiled_template_is_made_from_the_template_as_it_is(name):
    """Fails after a template is edited until ``invoke compile-templates`` is run (a stale module is not used,
    but every build would compile the template again)."""
    env = PRECOMPILED[name]()
    source, _, _ = env.loader.get_source(env, name)
    namespace = templating._compiled(name)
    assert namespace is not None, f"no module for {name}: run `invoke compile-templates`"
    assert namespace["SOURCE"] == source_digest(source), f"{name} changed: run `invoke compile-templates`"
    assert namespace["ENVIRONMENT"] == signature(env)
    if namespace["JINJA2"] == jinja2.__version__:  # this jinja2 compiles it to the same code
        assert (COMPILED / f"{module_name(name)}.py").read_text("utf-8") == compiled_module(env, name)


@pytest.mark.parametrize("name", sorted(PRECOMPILED))
def test_a_template_is_loaded_from_its_module_only_while_it_matches(name, monkeypatch):
    env = PRECOMPILED[name]()
    loaded = env.loader.load(env, name)
    current = templating._compiled(name)["JINJA2"] == jinja2.__version__
    assert loaded.filename.endswith(".py" if current else ".j2")  # another jinja2: compiled from the text
    stale = dict(templating._compiled(name), SOURCE="0" * 64)  # the template edited since
    monkeypatch.setattr(templating, "_compiled", lambda _name: dict(stale))
    assert env.loader.load(env, name).filename.endswith(name)


def test_a_sandbox_never_runs_code_compiled_for_another_environment():
    """reference.md.j2 is compiled for surveybuild's own (unsandboxed) environment: the README template's sandbox,
    whose compiled code calls through its checks, compiles it from its text."""
    assert signature(markdown_env()) != signature(own_markdown_env())
    sandboxed = markdown_env().get_template("reference.md.j2")
    assert sandboxed.filename.endswith(".j2")
    assert own_markdown_env().get_template("reference.md.j2").filename.endswith(".py") == (
        templating._compiled("reference.md.j2")["JINJA2"] == jinja2.__version__)


def test_each_environment_gets_its_own_namespace():
    """jinja2 puts the environment into the template's module namespace: two environments never share one."""
    first, second = templating._compiled("table.tex.j2"), templating._compiled("table.tex.j2")
    assert first is not second and first["root"] is not second["root"]


@pytest.mark.parametrize("fixture", [MINI, EDGE])
def test_a_build_renders_the_same_from_the_compiled_templates_and_from_their_text(fixture, tmp_path, monkeypatch):
    survey = copy_survey(fixture, tmp_path / "a", generated=False)
    for env in {factory() for factory in PRECOMPILED.values()}:
        env.cache.clear()  # the environments are the process's: load every template again below
    _, compiled, report = pipeline.plan(survey)
    assert report.ok and any(rel.endswith(".tex") for rel in compiled)
    for env in {factory() for factory in PRECOMPILED.values()}:
        env.cache.clear()
    monkeypatch.setattr(templating, "_compiled", lambda name: None)  # as if none were compiled ahead
    try:
        _, from_text, again = pipeline.plan(survey)
    finally:
        monkeypatch.undo()
        for env in {factory() for factory in PRECOMPILED.values()}:
            env.cache.clear()
    assert again.ok and from_text == compiled


def test_the_module_folder_holds_only_what_compile_templates_writes():
    assert sorted(p.name for p in COMPILED.glob("*.py")) == sorted(
        ["__init__.py"] + [f"{module_name(n)}.py" for n in PRECOMPILED])
    assert importlib.util.find_spec(templating.COMPILED_PACKAGE) is not None
