"""A real browser on the course: JupyterLab, the Hodgkin--Huxley lecture, the nbgrader assignment list.

Starts ``jupyter lab`` the way README.md tells a student to (at the course root,
so lectures/, assignments/ and work/ are all reachable) on a free localhost port
with a token, on a temporary copy of the course (lectures/, assignments/,
work/, schedule.yaml, nbgrader_config.py: running cells dirties the notebook
and JupyterLab autosaves, which must never write into the repository), with
temporary Jupyter config, data, runtime, settings and workspace directories.
The copy's own nbgrader_config.py puts its exchange in the copy (``.exchange/``),
where the instructor's ``nbgrader release_assignment`` releases the assignment.
Headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright, never a
browser Playwright downloads) then

1. opens the HH lecture named by schedule.yaml (session d2-pm, else d2-am),
   runs all cells from the *Run* menu and waits for a rendered figure (an
   ``img`` or ``canvas`` in an output area) and no error output;
2. opens *Nbgrader > Assignment List* (the nbgrader 0.9 labextension's
   "Assignments" panel, backed by the server extension's ``/assignments``
   handler): no "Error fetching courses!", the course ``coursekit`` selected,
   the released ``hodgkin_huxley`` listed; *Fetch* puts it into ``work/`` and
   *Submit* hands it in;
3. sees a widget (``.jupyter-widgets`` / ``.widget-slider``) rendered by the
   lecture -- if the lecture has no widget code, the test says so and skips.

Local state in the repository (JupyterLab's ``.ipynb_checkpoints``, caches, a
gradebook, fetched work) neither breaks the test nor is touched by it: the
server's root is the copy, and the fetch below lands in the copy's work/.

Without chromium or Playwright the test skips and says why.  Screenshots go to
the test's tmp_path (printed with ``-s``).
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("COURSEKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COURSE_ID = "coursekit"
ASSIGNMENT = "hodgkin_huxley"
WIDGET_MARKERS = ("ipywidgets", "coursekit.widgets", "hh_explorer", "method_comparison", "interact(")
SERVER_START_S = 90
# generous: on a loaded 2-core machine with cold numba caches a run can take minutes
RUN_ALL_S = float(os.environ.get("COURSEKIT_BROWSER_RUN_S", 300))


def _browser_or_skip():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium, "
                    "as .ci/run does) to run the browser test")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("Playwright for Python is not installed (pip install playwright; "
                    "never 'playwright install': the test uses the system chromium)")
    for module in ("jupyterlab", "nbgrader"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")


def hh_lecture() -> str:
    """The HH lecture notebook (relative path) that schedule.yaml names: d2-pm's, else d2-am's."""
    from coursekit.course.schedule import load_schedule

    sessions = {s.id: s for s in load_schedule(REPO / "schedule.yaml").sessions}
    named = [sessions[i].notebook for i in ("d2-pm", "d2-am") if i in sessions and sessions[i].notebook]
    for rel in named:
        if (REPO / rel).is_file():
            return rel
    pytest.skip(f"none of the HH lectures named in schedule.yaml exists yet: {named}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter_env(home: Path) -> dict:
    """The environment of a private Jupyter: its own config, data, runtime, settings and workspaces."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MPLBACKEND", "COURSEKIT_HEADLESS", "JUPYTER_TOKEN", "JPY_SESSION_NAME",
                        "COURSEKIT_EXCHANGE", "COURSEKIT_COURSE_ID")}
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return env


def _course_copy(root: Path, home: Path, lecture: str) -> None:
    """The parts of the course the browser sees; the instructor releases the assignment into the
    copy's own exchange (nbgrader_config.py puts it at <course>/.exchange)."""
    skip = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(REPO / "lectures", root / "lectures", ignore=skip)
    shutil.copytree(REPO / "assignments" / ASSIGNMENT, root / "assignments" / ASSIGNMENT, ignore=skip)
    (root / "work").mkdir()
    for name in ("schedule.yaml", "nbgrader_config.py", "work/nbgrader_config.py", "work/README.md"):
        shutil.copy2(REPO / name, root / name)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "release_assignment", ASSIGNMENT], cwd=root,
                          env=_jupyter_env(home), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"nbgrader release_assignment failed:\n{proc.stderr[-3000:]}"
    assert (root / ".exchange" / COURSE_ID / "outbound" / ASSIGNMENT).is_dir()
    assert (root / lecture).is_file()


def _settings(settings: Path) -> None:
    """User settings for this server only: every cell in the DOM (so "[*]" prompts can be counted),
    no autosave, no news toast over the screenshots."""
    overrides = {
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }
    for name, values in overrides.items():
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _start_lab(root: Path, home: Path, port: int, token: str) -> subprocess.Popen:
    env = _jupyter_env(home)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.news_url=", "--allow-root"]
    _settings(home / "settings")
    log = open(home / "jupyter.log", "w")
    return subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for_server(proc: subprocess.Popen, port: int, token: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    url = f"http://127.0.0.1:{port}/api/status?token={token}"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer within {SERVER_START_S} s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM (the server shuts its kernels down), then SIGKILL what is left of its process group."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=5)


def _menu(page, top: str, item: str) -> None:
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        print(f"[browser] a dialog is open before {top} > {item}: {dialog.first.inner_text()[:500]!r}")
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_lecture_runs_in_jupyterlab_with_figure_widget_and_assignment_list(tmp_path, capsys):
    _browser_or_skip()
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    lecture = hh_lecture()
    root, home = tmp_path / "course", tmp_path / "home"
    _course_copy(root, home, lecture)
    port, token = _free_port(), uuid.uuid4().hex
    proc = _start_lab(root, home, port, token)
    shots = []
    try:
        _wait_for_server(proc, port, token, home / "jupyter.log")
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
            try:
                page = context.new_page()
                page.set_default_timeout(60_000)
                page.goto(f"http://127.0.0.1:{port}/lab/tree/{lecture}?token={token}")
                page.locator(".jp-Notebook .jp-Cell").first.wait_for()
                # kernel started and idle before running anything
                page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=180_000)

                t0 = time.monotonic()
                # "Run All" issued while the kernel connection is still settling can be dropped by
                # the frontend (the cells stay "[ ]"): issue it again until a cell starts
                for attempt in range(4):
                    _menu(page, "Run", "Run All Cells")
                    started = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
                    try:
                        started.first.wait_for(timeout=20_000)
                        break
                    except PlaywrightTimeout:
                        page.wait_for_timeout(2000)
                else:
                    pytest.fail(f"{lecture}: Run All Cells started no cell in 4 attempts")
                figure = page.locator(".jp-OutputArea-output img, .jp-OutputArea-output canvas").first
                try:
                    figure.wait_for(timeout=RUN_ALL_S * 1000)
                except PlaywrightTimeout:
                    page.screenshot(path=str(tmp_path / "no-figure.png"), full_page=True)
                    outputs = page.locator(".jp-OutputArea-output")
                    texts = [outputs.nth(i).inner_text()[:300] for i in range(min(outputs.count(), 5))]
                    pytest.fail(f"{lecture}: no figure after {RUN_ALL_S:g} s; running cells: "
                                f"{page.locator('.jp-InputPrompt', has_text='[*]').count()}, "
                                f"outputs so far: {texts}; screenshot {tmp_path / 'no-figure.png'}")
                # all cells done: no "[*]" prompt left and the kernel idle, twice in a row
                # (the kernel is briefly idle between the queued cells)
                deadline, calm = time.monotonic() + RUN_ALL_S, 0
                while calm < 2:
                    if time.monotonic() > deadline:
                        pytest.fail(f"{lecture}: cells still running after {RUN_ALL_S} s")
                    busy = page.locator(".jp-InputPrompt", has_text="[*]").count()
                    idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count()
                    calm = calm + 1 if (not busy and idle) else 0
                    page.wait_for_timeout(1000)
                run_s = time.monotonic() - t0
                errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error'], "
                                      ".jp-OutputArea-output.jp-mod-error")
                if errors.count():
                    pytest.fail(f"{lecture}: error output in the browser:\n{errors.first.inner_text()[:2000]}")
                n_cells = page.locator(".jp-Notebook .jp-Cell").count()
                n_figures = page.locator(".jp-OutputArea-output img, .jp-OutputArea-output canvas").count()
                figure.scroll_into_view_if_needed()
                box = figure.bounding_box()
                assert box and box["width"] > 100 and box["height"] > 50, f"figure not rendered: {box}"
                shots.append(tmp_path / "figure.png")
                figure.screenshot(path=str(shots[-1]))
                shots.append(tmp_path / "lecture.png")
                page.screenshot(path=str(shots[-1]))

                widget = page.locator(".jupyter-widgets .widget-slider, .widget-slider, .jupyter-widgets")
                uses_widgets = any(m in (REPO / lecture).read_text() for m in WIDGET_MARKERS)
                widget_seen = False
                if uses_widgets:
                    try:
                        widget.first.wait_for(timeout=30_000)
                        widget.first.scroll_into_view_if_needed()
                        widget_seen = True
                        shots.append(tmp_path / "widget.png")
                        page.screenshot(path=str(shots[-1]))
                    except PlaywrightTimeout:
                        pytest.fail(f"{lecture} builds widgets but none rendered "
                                    "(is the @jupyter-widgets/jupyterlab-manager labextension enabled?)")

                _menu(page, "Nbgrader", "Assignment List")
                panel = page.locator("#nbgrader-assignment-list")
                panel.wait_for()
                course = panel.locator("#course_list_default")
                course.filter(has_text=COURSE_ID).wait_for(timeout=60_000)
                released = panel.locator("#released_assignments_list")
                row = released.locator(".list_item", has_text=ASSIGNMENT).first
                row.wait_for(timeout=30_000)
                text = panel.inner_text()
                assert "Released assignments" in text and ASSIGNMENT in text, text[:1000]
                for error in ("Error fetching courses", "exchange directory does not exist", "Error"):
                    assert error not in text, text[:1000]
                shots.append(tmp_path / "assignment_list.png")
                page.screenshot(path=str(shots[-1]))
                # the student fetches (into work/, not assignments/) and submits
                row.locator("button", has_text="Fetch").click()
                fetched = panel.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
                fetched.wait_for(timeout=60_000)
                assert (root / "work" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
                fetched.locator("button", has_text="Submit").click()
                panel.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first.wait_for(
                    timeout=60_000)
                inbound = list((root / ".exchange" / COURSE_ID / "inbound").iterdir())
                assert len(inbound) == 1 and f"+{ASSIGNMENT}+" in inbound[0].name
                assert "Error" not in panel.inner_text()
                shots.append(tmp_path / "assignment_submitted.png")
                page.screenshot(path=str(shots[-1]))
            finally:
                context.close()
    finally:
        _stop(proc)
    with capsys.disabled():
        print(f"\n[browser] {lecture}: {n_cells} cells ran in {run_s:.1f} s; "
              f"{n_figures} figure(s) rendered; "
              f"widget {'seen' if widget_seen else 'not used by this lecture'}; assignment list lists, fetches "
              f"and submits {ASSIGNMENT}")
        print("[browser] screenshots: " + ", ".join(str(s) for s in shots))
    if not uses_widgets:
        pytest.skip(f"{lecture} has no widget code yet: figure and assignment list checked, widget not")
