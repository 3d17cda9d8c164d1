"""``surveybuild preview`` and ``surveybuild watch``: the README as GitHub shows it, beside the PDF, on save.

- ``preview`` re-renders the README in memory on every save (:func:`surveybuild.build.pipeline.plan`) and
  writes nothing; ``watch`` builds on every save (writes the outputs, as ``surveybuild build``),
  and with ``--paper`` also runs the paper's build. The PDF shown is ``<paper folder>/build/<main>.pdf``
  as last built.
- Files are watched with watchdog; a save is followed by a rebuild only when the fingerprint of the
  build's inputs (:func:`surveybuild.build.cache.snapshot`) changed. The page asks ``/__preview/version``
  every 200 ms and reloads itself when the build counter moved.
- Problems are shown on the page as ``file:line:col: error: ...``; an unexpected exception as one
  line, never a traceback.
- The server listens on 127.0.0.1 only and answers only requests whose ``Host`` is the loopback
  address (no DNS rebinding). The page's scripts are refused by its Content-Security-Policy but
  for the page's own reload script (a nonce); other files are served only from inside the survey
  folder (no ``..``, no dot folders, no symbolic link that leads out), under a policy without scripts.
"""

from __future__ import annotations

import html
import json
import mimetypes
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from .. import package_text
from .. import paths
from ..build.pipeline import Report, build, paper, plan
from ..renderers import references
from ..readers.read import read_settings, read_text

HOST = "127.0.0.1"  # loopback only: there is no option to listen elsewhere
POLL_MS = 200
DEBOUNCE_S = 0.05
#: The policy of every file served but the page: no script, no plugin, nothing framed, no form.
FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


class State:
    """The latest rendering: the README's HTML, the problems, and a counter the page polls."""

    def __init__(self, root: Path, write: bool, with_paper: bool):
        self.root, self.write, self.with_paper = root, write, with_paper
        self.lock = threading.Lock()
        self.version = 0
        self.body = ""  # the last README rendered without errors (kept while the sources are broken)
        self.problems: list[str] = []
        self.fingerprint: dict | None = None
        self.seconds = 0.0
        #: the references formatted so far (in the survey's style or surveybuild's own layout): a save that
        #: changes a row formats none again
        self.references = references.Memo(style=None)

    def rebuild(self) -> bool:
        """Render again if an input changed; True when the page changed."""
        from ..build import cache
        from .gfmhtml import readme_html

        started = time.perf_counter()
        try:
            settings, _ = read_settings(self.root)
            now = cache.snapshot(self.root, settings)
            if now == self.fingerprint:
                return False
            report = build(self.root) if self.write else None  # watch: a build, which renders the README too
            if report is not None and report.ok:
                text, _ = read_text(self.root / settings.readme, settings.readme, self.root)  # as the build wrote it
                body = readme_html(text) if text is not None else None
                if self.with_paper:
                    report = paper(self.root)
            else:  # preview, or a build that stopped (an output edited by hand): the README rendered in memory
                survey, outputs, planned = plan(self.root, memo=self.references)
                body = readme_html(outputs[survey.settings.readme]) if planned.ok and survey.settings.readme in outputs \
                    else None
                report = report if report is not None else planned
            lines = _report_lines(report)
            self.fingerprint = cache.snapshot(self.root, settings) if self.write else now
        except Exception as exc:  # a bug of ours, or the disk said no: one line on the page, no traceback
            body, lines = None, [f"surveybuild: internal error: {type(exc).__name__}: {exc}"]
            self.fingerprint = None
        with self.lock:
            changed = (body is not None and body != self.body) or lines != self.problems
            if body is not None:
                self.body = body
            self.problems = lines
            self.seconds = time.perf_counter() - started
            if changed:
                self.version += 1
        return changed


def _report_lines(report: Report) -> list[str]:
    problems = sorted(report.problems, key=lambda p: (p.severity != "error", p.source))
    return [str(p) for p in problems] + [f"wrote {rel}" for rel in report.written]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, state: State, port: int):
        self.state = state
        super().__init__((HOST, port), Handler)
        self.port = self.server_address[1]
        self.hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):  # noqa: A002 - quiet: the terminal shows the build's problems
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.headers.get("Host", "") not in self.server.hosts:
            return self._send(421, b"wrong host: the preview answers on the loopback address only\n", "text/plain")
        path = urlsplit(self.path).path
        state = self.server.state
        if path == "/":
            nonce = secrets.token_urlsafe(16)
            return self._send(200, self._page(nonce).encode("utf-8"), "text/html; charset=utf-8",
                              policy=(f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
                                      "img-src 'self' data: https:; frame-src 'self'; connect-src 'self'; "
                                      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"))
        if path == "/__preview/version":
            with state.lock:
                data = {"version": state.version, "problems": len(state.problems)}
            return self._send(200, json.dumps(data).encode(), "application/json")
        return self._file(path)

    def _file(self, url_path: str) -> None:
        root = self.server.state.root
        rel = PurePosixPath(unquote(url_path).lstrip("/"))
        if not rel.parts or any(part in ("..", "") or part.startswith(".") or "\\" in part for part in rel.parts):
            return self._send(404, b"not found\n", "text/plain")
        target = root / rel
        if paths.outside(root, target) or not target.is_file():
            return self._send(404, b"not found\n", "text/plain")
        try:
            data = target.read_bytes()
        except OSError:
            return self._send(404, b"not found\n", "text/plain")
        kind = mimetypes.guess_type(rel.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/xhtml+xml"):
            kind = "text/plain; charset=utf-8"  # the survey's own text is shown, never run
        policy = None if kind == "application/pdf" else FILE_POLICY  # the browser's PDF viewer needs to run
        self._send(200, data, kind, policy=policy)

    def _send(self, status: int, data: bytes, kind: str, policy: str | None = FILE_POLICY) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        self.wfile.write(data)

    def _page(self, nonce: str) -> str:
        state = self.server.state
        with state.lock:
            version, body, problems, seconds = state.version, state.body, list(state.problems), state.seconds
        pdf = _pdf(state.root)
        css = package_text("templates/preview.css")
        errors = [line for line in problems if ": error: " in line or line.startswith("surveybuild:")]
        banner = ""
        if problems:
            items = "".join(f'<li class="{"error" if line in errors else "note"}">{html.escape(line)}</li>'
                            for line in problems)
            banner = f'<section id="problems" class="{"bad" if errors else "ok"}"><ul>{items}</ul></section>'
        side = (f'<iframe id="pdf" title="the paper" src="/{html.escape(pdf)}"></iframe>' if pdf else
                '<p class="nopdf">No PDF yet: run <code>surveybuild paper</code> (or <code>surveybuild watch '
                '--paper</code>).</p>')
        stale = " stale" if errors else ""
        if not body:
            body = '<p class="nopdf">No README rendered yet: fix the problems above and save.</p>'
        mode = "watch: builds on save" if state.write else "preview: rendered in memory, nothing written"
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>surveybuild preview</title>
<style nonce="{nonce}">{css}</style></head>
<body><header>surveybuild {html.escape(mode)} · build {version} · {seconds * 1000:.0f} ms</header>
{banner}<main><article id="readme" class="markdown-body{stale}">{body}</article>
<aside>{side}</aside></main>
<script nonce="{nonce}">
const version = {version};
function jump() {{
  const id = decodeURIComponent(location.hash.slice(1));
  const el = id && document.getElementById("user-content-" + id);
  if (el) el.scrollIntoView();
}}
addEventListener("hashchange", jump); jump();
async function poll() {{
  try {{
    const r = await fetch("/__preview/version", {{cache: "no-store"}});
    if ((await r.json()).version !== version) {{ location.reload(); return; }}
  }} catch (e) {{}}
  setTimeout(poll, {POLL_MS});
}}
setTimeout(poll, {POLL_MS});
</script></body></html>
"""


def _watched(root: Path) -> list[tuple[Path, bool]]:
    """The folders to watch: the survey's own (not below it: no ``.git``, ``.venv``), and the input folders."""
    settings, _ = read_settings(root)
    inputs = {settings.tables, getattr(settings, "figures", "figures"), PurePosixPath(settings.paper).parent,
              PurePosixPath(settings.readme_template).parent, PurePosixPath(settings.bib).parent,
              *(PurePosixPath(rel).parent for rel in settings.fill)}
    folders = {(root, False)}
    for rel in inputs:
        folder = root / rel
        if folder.is_dir() and not paths.outside(root, folder) and folder.resolve() != root.resolve():
            folders.add((folder, True))
    return sorted(folders)


def _pdf(root: Path) -> str:
    """The PDF's path relative to the survey, when it has been built."""
    settings, _ = read_settings(root)
    main = PurePosixPath(settings.paper)
    rel = main.parent / "build" / f"{main.stem}.pdf"
    return rel.as_posix() if (root / rel).is_file() and not paths.outside(root, root / rel) else ""


class Preview:
    """A running preview: the server, the file watcher, the rebuild thread. A context manager."""

    def __init__(self, root: Path, *, write: bool = False, with_paper: bool = False, port: int = 0):
        self.state = State(Path(root), write, with_paper)
        self.state.rebuild()
        self.server = Server(self.state, port)
        self.url = f"http://{HOST}:{self.server.port}/"
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._observer = None

    def start(self) -> Preview:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        changed = self._changed

        class OnSave(FileSystemEventHandler):
            def on_any_event(self, event):
                if event.event_type not in ("opened", "closed_no_write"):
                    changed.set()

        self._observer = Observer()
        for folder, recursive in _watched(self.state.root):
            self._observer.schedule(OnSave(), str(folder), recursive=recursive)
        self._observer.start()
        for target in (self.server.serve_forever, self._rebuilds):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _rebuilds(self) -> None:
        while not self._stopping.is_set():
            if not self._changed.wait(0.5):
                continue
            time.sleep(DEBOUNCE_S)  # an editor's save is often several events
            self._changed.clear()
            if self.state.rebuild():
                print(f"rebuilt ({self.state.seconds * 1000:.0f} ms)", file=sys.stderr)
                for line in self.state.problems:
                    print(line, file=sys.stderr)

    def close(self) -> None:
        self._stopping.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(5)
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> Preview:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def run(root: Path, *, write: bool, with_paper: bool = False, port: int = 8765) -> int:
    """Serve until interrupted (Ctrl-C); the CLI's entry point."""
    try:
        preview = Preview(root, write=write, with_paper=with_paper, port=port)
    except OSError as exc:
        print(f"surveybuild: error: cannot listen on {HOST}:{port}: {exc.strerror or exc} "
              "(choose another --port, or 0 for any free one)", file=sys.stderr)
        return 1
    for line in preview.state.problems:
        print(line, file=sys.stderr)
    print(f"serving {preview.url} (Ctrl-C stops)", file=sys.stderr, flush=True)
    with preview:
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0
