"""Where a course's files live, and the nbgrader commands that act on them.

The layout matches ``nbgrader_config.py`` at the repository root: source
``solutions/``, release ``assignments/``, and ``submitted/``, ``autograded/``,
``feedback/``, ``gradebook.db`` kept out of git.  Every nbgrader command gets
the layout on its command line, so it does not matter which directory the
instructor runs ``coursekit`` from.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Files in solutions/<id>/ that nbgrader must never copy into the release.
NEVER_RELEASED = ["grading.py", "__pycache__", "*.pyc", ".ipynb_checkpoints", "feedback"]


@dataclass(frozen=True)
class CourseLayout:
    root: Path
    source: str = "solutions"
    release: str = "assignments"
    submitted: str = "submitted"
    autograded: str = "autograded"
    feedback: str = "feedback"
    gradebook: str = "gradebook.db"

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def db_path(self) -> Path:
        return self.root / self.gradebook

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def source_dir(self, assignment: str) -> Path:
        return self.root / self.source / assignment

    def release_dir(self, assignment: str) -> Path:
        return self.root / self.release / assignment

    def submitted_dir(self, student: str, assignment: str) -> Path:
        return self.root / self.submitted / student / assignment

    def autograded_dir(self, student: str, assignment: str) -> Path:
        return self.root / self.autograded / student / assignment

    def feedback_dir(self, student: str, assignment: str) -> Path:
        return self.root / self.feedback / student / assignment

    def assignments(self) -> list[str]:
        """Assignment ids: the directories of solutions/ that hold a notebook."""
        src = self.root / self.source
        if not src.is_dir():
            return []
        return sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def require_assignment(self, assignment: str) -> None:
        known = self.assignments()
        if assignment not in known:
            raise ValueError(
                f"unknown assignment {assignment!r} in {self.root / self.source}; "
                f"known: {', '.join(known) if known else 'none'}")

    def require_gradebook(self) -> None:
        if not self.db_path.is_file():
            raise FileNotFoundError(
                f"no gradebook at {self.db_path}: release the assignment first "
                f"(coursekit course release ID --course-dir {self.root})")

    def students(self, assignment: str) -> list[str]:
        sub = self.root / self.submitted
        if not sub.is_dir():
            return []
        return sorted(p.name for p in sub.iterdir() if (p / assignment).is_dir())

    def nbgrader_args(self) -> list[str]:
        ignore = "[" + ",".join(repr(x) for x in NEVER_RELEASED) + "]"
        return [
            f"--CourseDirectory.root={self.root}",
            f"--CourseDirectory.source_directory={self.source}",
            f"--CourseDirectory.release_directory={self.release}",
            f"--CourseDirectory.submitted_directory={self.submitted}",
            f"--CourseDirectory.autograded_directory={self.autograded}",
            f"--CourseDirectory.feedback_directory={self.feedback}",
            f"--CourseDirectory.db_url={self.db_url}",
            f"--CourseDirectory.ignore={ignore}",
        ]


def run_nbgrader(layout: CourseLayout, command: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader COMMAND ARGS`` on the course; raise RuntimeError with its log on failure."""
    cmd = [sys.executable, "-m", "nbgrader", command, *args, *layout.nbgrader_args()]
    # nbgrader runs `alembic` (the gradebook's migrations) by name: put this Python's scripts first on
    # PATH, so an environment that was never activated (venv/bin/coursekit ...) works too
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    proc = subprocess.run(cmd, cwd=layout.root, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {command} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc
