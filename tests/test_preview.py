"""``surveybuild preview`` / ``watch`` in a real headless browser (Debian's chromium driven by Playwright).

The page shows the README's tables as cmark-gfm renders them, a saved YAML edit within 2 s, a broken
row's error placed at file:line:col, no script from the survey's files; the server listens on the
loopback address only and serves no file outside the survey folder.
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from conftest import edit, locate, require_tool
from surveybuild.preview.server import Preview

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def browser():
    require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), timeout=30_000)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def _rows_in(markdown_text: str) -> int:
    return cmarkgfm.github_flavored_markdown_to_html(markdown_text, options=Options.CMARK_OPT_UNSAFE).count("<tr")


def test_page_shows_the_readme_tables_with_github_anchors(built_mini, page):
    with Preview(built_mini) as preview:
        page.goto(preview.url)
        rows = page.locator("#readme tr").count()
        assert rows == _rows_in((built_mini / "README.md").read_text("utf-8")) > 5
        assert page.locator("#readme table").count() == 2
        assert page.locator("#user-content-models").count() == 1  # the heading's anchor, as GitHub names it
        assert page.locator('#readme li a[href="#models"]').count() == 1  # the table of contents links to it
        assert page.locator("#problems").count() == 0


def test_a_saved_yaml_edit_shows_within_two_seconds(built_mini, page):
    with Preview(built_mini) as preview:
        page.goto(preview.url)
        assert page.get_by_text("Zebrafish-13B").count() == 0
        started = time.monotonic()
        edit(built_mini / "tables/models.yaml", "name: Alpaca", "name: Zebrafish-13B")
        page.locator("#readme").get_by_text("Zebrafish-13B").first.wait_for(timeout=2_000)
        seconds = time.monotonic() - started
        print(f"YAML edit shown after {seconds:.2f} s")
        assert seconds < 2
        assert not (built_mini / "README.md").read_text("utf-8").count("Zebrafish")  # preview writes nothing


def test_a_broken_row_shows_its_error_with_file_and_line(built_mini, page):
    with Preview(built_mini) as preview:
        page.goto(preview.url)
        edit(built_mini / "tables/models.yaml", "params: 7B", "params: seven")
        where = locate(built_mini / "tables/models.yaml", "seven", built_mini)
        error = page.locator("#problems li.error").first
        error.wait_for(timeout=2_000)
        assert error.inner_text().startswith(f"{where}: error: ")
        assert "Traceback" not in page.content()
        assert page.locator("#readme.stale tr").count() > 5  # the last good README stays, dimmed
        edit(built_mini / "tables/models.yaml", "params: seven", "params: 7B")  # fixed: the error goes
        page.locator("#problems").wait_for(state="detached", timeout=2_000)


def test_watch_builds_on_save(built_mini, page):
    with Preview(built_mini, write=True) as preview:
        page.goto(preview.url)
        edit(built_mini / "tables/models.yaml", "name: Alpaca", "name: Zebrafish-13B")
        page.locator("#readme").get_by_text("Zebrafish-13B").first.wait_for(timeout=2_000)
        assert "Zebrafish-13B" in (built_mini / "README.md").read_text("utf-8")
        assert "Zebrafish-13B" in (built_mini / "paper/tables/models.tex").read_text("utf-8")


def test_watch_renders_each_save_once_and_keeps_references_between_saves(built_mini, monkeypatch):
    """A save in watch mode is one build (which renders the README the page shows), not a plan and then a build;
    preview keeps the references it formatted, so a save that changes a row formats none again."""
    from surveybuild.build import pipeline
    from surveybuild.preview import server
    from surveybuild.renderers import references

    plans = []
    real_plan = pipeline.plan
    monkeypatch.setattr(pipeline, "plan", lambda *a, **k: plans.append(1) or real_plan(*a, **k))
    monkeypatch.setattr(server, "plan", lambda *a, **k: plans.append(1) or real_plan(*a, **k))
    state = server.State(built_mini, write=True, with_paper=False)
    edit(built_mini / "tables/models.yaml", "name: Alpaca", "name: Zebrafish-13B")
    assert state.rebuild() and len(plans) == 1 and "Zebrafish-13B" in state.body
    assert "wrote README.md" in state.problems and not any("error" in line for line in state.problems)
    laid = []
    real_reference = references.reference
    monkeypatch.setattr(references, "reference", lambda e: laid.append(1) or real_reference(e))
    from surveybuild.build import cache

    (built_mini / cache.styled_path("")).unlink()  # what the build kept: preview would start from it
    shown = server.State(built_mini, write=False, with_paper=False)
    assert shown.rebuild() and laid  # the first rendering lays the references out
    laid.clear()
    edit(built_mini / "tables/models.yaml", "name: Zebrafish-13B", "name: Zebrafish-14B")
    assert shown.rebuild() and "Zebrafish-14B" in shown.body
    assert laid == []  # the second one takes them from memory


def test_no_script_from_the_survey_runs(built_mini, page):
    template = built_mini / "templates/README.md.j2"
    template.write_text(template.read_text("utf-8") + '\n<img src="x" onerror="document.title=\'pwned\'">\n\n'
                        "<script>document.title='pwned'</script>\n\n<a href=\"javascript:alert(1)\">x</a>\n\n"
                        '<a id="problems">clobber</a>\n', "utf-8")
    with Preview(built_mini) as preview:
        page.goto(preview.url)
        page.wait_for_timeout(300)
        assert page.title() == "surveybuild preview"
        assert page.locator("#readme script, #readme [onerror], #readme a[href^=javascript]").count() == 0
        assert page.locator("#user-content-problems").count() == 1  # the README's own ids are prefixed


def _get(port: int, path: str, host: str | None = None) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, dict(response.getheaders())


def test_files_are_served_only_from_inside_the_survey(built_mini, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", "utf-8")
    (built_mini / "leak.txt").symlink_to(secret)
    (built_mini / ".git").mkdir()
    (built_mini / ".git/config").write_text("secret", "utf-8")
    (built_mini / "page.html").write_text("<script>alert(1)</script>", "utf-8")
    with Preview(built_mini) as preview:
        port = preview.server.port
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/tables/..%2f..%2fsecret.txt", "/leak.txt",
                     "/.git/config", "/..\\secret.txt", "/tables", "//etc/passwd", "/README.md%00.png"):
            status, body, _ = _get(port, path)
            assert status == 404 and b"secret" not in body and b"root:" not in body, path
        status, body, headers = _get(port, "/tables/models.yaml")
        assert status == 200 and body == (built_mini / "tables/models.yaml").read_bytes()
        assert "sandbox" in headers["Content-Security-Policy"]
        status, _, headers = _get(port, "/page.html")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")  # shown, never run


def _other_addresses() -> set[str]:
    """This machine's addresses that are not loopback (none on a machine without a network)."""
    found = set()
    try:
        found |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # no packet is sent: only a route is chosen
            s.connect(("192.0.2.1", 9))
            found.add(s.getsockname()[0])
    except OSError:
        pass
    return {a for a in found if not a.startswith("127.")}


def test_the_server_answers_on_loopback_only(built_mini):
    with Preview(built_mini) as preview:
        port = preview.server.port
        assert preview.server.socket.getsockname() == ("127.0.0.1", port)
        assert _get(port, "/")[0] == 200
        assert _get(port, "/", host=f"localhost:{port}")[0] == 200
        assert _get(port, "/", host=f"attacker.example:{port}")[0] == 421  # DNS rebinding
        others = _other_addresses()
        for address in others:
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=2).close()
        print(f"refused on {sorted(others) or 'no other address'}")


def test_the_cli_serves_and_offers_no_host(built_mini):
    cli = [sys.executable, "-m", "surveybuild", "-C", str(built_mini)]
    refused = subprocess.run([*cli, "preview", "--host", "0.0.0.0"], capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "--host" in refused.stderr
    proc = subprocess.Popen([*cli, "preview", "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        match = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        status, body, _ = _get(int(match.group(1)), "/")
        assert status == 200 and b'id="readme"' in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_package_imports_no_watcher_until_asked():
    code = "import surveybuild.cli, surveybuild.build.pipeline, sys; print('watchdog' in sys.modules, 'nh3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30).stdout
    assert out.split() == ["False", "False"]
