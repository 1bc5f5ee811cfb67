"""The student's path through nbgrader, headless: what README.md's "For students" promises.

On a temporary copy of the course (its ``nbgrader_config.py``, ``work/`` and one
released assignment), with private Jupyter config and data directories:

* JupyterLab's Assignment List (the server extension's handler, called the way
  the *Nbgrader > Assignment List* panel calls it) finds the course without
  "Error fetching courses!" / "The exchange directory does not exist", before
  and after the instructor releases;
* the instructor releases (``nbgrader release_assignment``), the student fetches
  into ``work/<id>/`` (never into ``assignments/``), validates and submits, the
  instructor collects into ``submitted/<student>/<id>/``;
* ``$COURSEKIT_EXCHANGE`` moves the exchange to a directory a class chooses.

Nothing is written into the repository or the user's Jupyter directories.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytest.importorskip("nbgrader")


def _released_assignment() -> str:
    released = sorted(p.parent.name for p in (REPO / "assignments").glob("*/*.ipynb")
                      if p.stem == p.parent.name)
    if not released:
        pytest.skip("no assignment is released in assignments/ yet")
    return "hodgkin_huxley" if "hodgkin_huxley" in released else released[0]


@pytest.fixture
def course(tmp_path):
    """(course directory, environment) of a private copy of the course."""
    assignment = _released_assignment()
    root = tmp_path / "course"
    (root / "work").mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copy2(REPO / "work" / "nbgrader_config.py", root / "work" / "nbgrader_config.py")
    shutil.copytree(REPO / "assignments" / assignment, root / "assignments" / assignment,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COURSEKIT_EXCHANGE", "COURSEKIT_COURSE_ID", "JUPYTER"))}
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        (tmp_path / sub).mkdir()
        env[var] = str(tmp_path / sub)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return root, env, assignment


def nbgrader(root, env, *args):
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc.stdout + proc.stderr


# What the Assignment List panel asks the server: the handler's own methods, run in the server's
# root directory (the course) as jupyter_server does.
_PANEL = r"""
import json, os, sys
from nbgrader.server_extensions.assignment_list.handlers import AssignmentList
panel = AssignmentList()
panel.root_dir = os.getcwd()
out = {"courses": panel.list_courses()}
for step in sys.argv[1:]:
    if step == "fetch":
        out["fetch"] = panel.fetch_assignment("coursekit", ASSIGNMENT)
    elif step == "submit":
        out["submit"] = panel.submit_assignment("coursekit", ASSIGNMENT)
    out[step + ":list"] = panel.list_assignments("coursekit")
print(json.dumps(out))
"""


def panel(root, env, assignment, *steps):
    code = _PANEL.replace("ASSIGNMENT", repr(assignment))
    proc = subprocess.run([sys.executable, "-c", code, *steps], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_config_of_the_repository():
    """course_id, an exchange inside the course that git ignores, fetched work in work/ (also ignored,
    but for the two files that make the panel work), and no side effect on a class's exchange."""
    text = (REPO / "nbgrader_config.py").read_text()
    assert 'course_id = os.environ.get("COURSEKIT_COURSE_ID") or "coursekit"' in text
    if shutil.which("git") is None or subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=REPO,
                                                     capture_output=True, text=True).stdout.strip() != str(REPO):
        pytest.skip("not a git checkout (an unpacked archive): .gitignore cannot be asked")
    ignored = subprocess.run(["git", "check-ignore", "--no-index", ".exchange/x", "work/hodgkin_huxley/a.ipynb",
                              "work/README.md", "work/nbgrader_config.py", "assignments/x/x.ipynb"],
                             cwd=REPO, capture_output=True, text=True)
    assert ignored.stdout.split() == [".exchange/x", "work/hodgkin_huxley/a.ipynb"]


def test_the_assignment_list_finds_the_course_before_anything_is_released(course):
    root, env, assignment = course
    result = panel(root, env, assignment, "released")
    assert result["courses"] == {"success": True, "value": []}  # "No courses found.", not an error
    assert (root / ".exchange").is_dir()


def test_release_fetch_validate_submit_collect(course):
    root, env, assignment = course
    nbgrader(root, env, "release_assignment", assignment)  # the instructor
    outbound = root / ".exchange" / "coursekit" / "outbound" / assignment
    assert (outbound / f"{assignment}.ipynb").is_file()

    result = panel(root, env, assignment, "fetch", "submit")
    assert result["courses"] == {"success": True, "value": ["coursekit"]}
    assert result["fetch"] == {"success": True}
    listed = result["fetch:list"]
    assert listed["success"], listed
    fetched = [a for a in listed["value"] if a["status"] == "fetched"]
    assert [(a["assignment_id"], a["path"]) for a in fetched] == [(assignment, f"work/{assignment}")]
    assert [n["path"] for n in fetched[0]["notebooks"]] == [f"work/{assignment}/{assignment}.ipynb"]
    mine = root / "work" / assignment / f"{assignment}.ipynb"
    assert mine.read_bytes() == (root / "assignments" / assignment / f"{assignment}.ipynb").read_bytes()
    assert result["submit"] == {"success": True}
    assert any(a["status"] == "submitted" for a in result["submit:list"]["value"])
    inbound = list((root / ".exchange" / "coursekit" / "inbound").iterdir())
    assert len(inbound) == 1 and inbound[0].name.split("+")[1] == assignment

    # the Validate button runs this: an untouched assignment fails, and says so (exit status 0)
    out = nbgrader(root, env, "validate", str(mine.relative_to(root)))
    assert "VALIDATION FAILED" in out and "Traceback" not in out.split("VALIDATION FAILED")[0]

    nbgrader(root, env, "collect", assignment)  # the instructor
    student = inbound[0].name.split("+")[0]
    assert (root / "submitted" / student / assignment / f"{assignment}.ipynb").is_file()


def test_a_class_chooses_the_exchange(course, tmp_path):
    root, env, assignment = course
    shared = tmp_path / "class-exchange"
    shared.mkdir()
    env = dict(env, COURSEKIT_EXCHANGE=str(shared), COURSEKIT_COURSE_ID="coursekit")
    nbgrader(root, env, "release_assignment", assignment)
    assert (shared / "coursekit" / "outbound" / assignment).is_dir()
    assert not (root / ".exchange").exists()  # the default is neither used nor created
    result = panel(root, env, assignment, "fetch")
    assert result["courses"] == {"success": True, "value": ["coursekit"]} and result["fetch"]["success"]
    assert (root / "work" / assignment / f"{assignment}.ipynb").is_file()
