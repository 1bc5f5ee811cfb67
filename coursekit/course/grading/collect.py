"""Collect submissions from an upload directory without trusting it.

The upload directory is written by students (an LMS export, a shared folder,
nbgrader's exchange): any entry in it may be a symlink to the solutions, a
FIFO, a device, a directory named ``x.ipynb`` or a file of gigabytes.
:func:`collect` copies **only regular files**, opened with ``O_NOFOLLOW`` and
checked with ``fstat`` (never by name), at most :data:`MAX_NOTEBOOK_BYTES`
each; it skips and reports anything else, and one bad upload never stops the
others.  A ``timestamp.txt`` is kept if nbgrader can read its date; otherwise
the collection time is used and the instructor is told.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .layout import CourseLayout
from .protocol import clean_text

MAX_NOTEBOOK_BYTES = 20 << 20
MAX_TIMESTAMP_BYTES = 200
MAX_NOTEBOOKS = 20
_STUDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


@dataclass
class CollectReport:
    collected: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)


class _Skip(Exception):
    pass


def read_regular(parent_fd: int, name: str, limit: int) -> bytes:
    """The bytes of ``name`` in the directory ``parent_fd`` if it is a regular file of at most ``limit`` bytes."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=parent_fd)
    except OSError as exc:
        raise _Skip(f"{name}: not a regular file ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Skip(f"{name}: not a regular file")
        if st.st_size > limit:
            raise _Skip(f"{name}: {st.st_size} bytes, more than the {limit} allowed")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise _Skip(f"{name}: more than the {limit} bytes allowed")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _open_dir(parent_fd: int | None, name: str) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        return os.open(name, flags, dir_fd=parent_fd) if parent_fd is not None else os.open(name, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise _Skip(f"{name}: not a directory ({exc.strerror})") from None


def _timestamp(raw: bytes | None, now: str) -> tuple[str, str | None]:
    from nbgrader.utils import parse_utc

    if raw is None:
        return now, None
    text = raw.decode("utf-8", "replace").strip()
    try:
        parse_utc(text)
        return text, None
    except Exception:
        return now, f"timestamp.txt holds no date ({clean_text(text, 60)!r}); the collection time is used"


def collect(layout: CourseLayout, assignment: str, source: Path, force: bool = False) -> CollectReport:
    """Copy ``source/<student>/[<assignment>/]*.ipynb`` (+ timestamp.txt) into ``submitted/``."""
    report = CollectReport()
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    root_fd = _open_dir(None, str(source))
    try:
        for entry in sorted(os.scandir(root_fd), key=lambda e: e.name):
            name = entry.name
            if name.startswith("."):
                continue
            shown = clean_text(name, 80)
            if not _STUDENT.match(name):
                report.attention.append(f"{shown!r}: not a student id coursekit accepts (letters, digits, ._@+-): "
                                        f"skipped")
                continue
            try:
                if not entry.is_dir(follow_symlinks=False):
                    raise _Skip("not a directory (links are never followed)")
                result = _collect_student(layout, assignment, root_fd, name, force, now)
            except _Skip as why:
                report.attention.append(f"{shown}: {why}: skipped")
                continue
            except OSError as exc:
                report.attention.append(f"{shown}: {clean_text(exc, 200)}: skipped")
                continue
            status, problems = result
            report.attention += [f"{shown}: {p}" for p in problems]
            if status == "kept":
                report.kept.append(name)
            elif status == "collected":
                report.collected.append(name)
    finally:
        os.close(root_fd)
    return report


def collect_exchange(layout: CourseLayout, assignment: str, exchange: Path, course_id: str,
                     force: bool = False) -> CollectReport:
    """Collect the latest submission of each student from nbgrader's exchange, as safely as :func:`collect`.

    nbgrader's ``submit`` leaves ``<exchange>/<course_id>/inbound/<student>+<assignment>+<timestamp>[+…]/``;
    students can write there, so every entry is treated like an upload directory's.
    """
    from nbgrader.utils import parse_utc

    report = CollectReport()
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    inbound = Path(exchange) / course_id / "inbound"
    root_fd = _open_dir(None, str(inbound))
    try:
        latest: dict[str, tuple] = {}
        for entry in os.scandir(root_fd):
            parts = entry.name.split("+")
            if len(parts) < 3 or parts[1] != assignment:
                continue
            student = parts[0]
            shown = clean_text(student, 80)
            if not _STUDENT.match(student):
                report.attention.append(f"{shown!r}: not a student id coursekit accepts: skipped")
                continue
            if not entry.is_dir(follow_symlinks=False):
                report.attention.append(f"{shown}: {clean_text(entry.name, 120)} is not a directory "
                                        f"(links are never followed): skipped")
                continue
            try:
                when = parse_utc(parts[2])
            except Exception:
                report.attention.append(f"{shown}: {clean_text(entry.name, 120)} has no readable time: skipped")
                continue
            if student not in latest or when > latest[student][0]:
                latest[student] = (when, entry.name)
        for student in sorted(latest):
            try:
                status, problems = _collect_student(layout, assignment, root_fd, latest[student][1], force, now,
                                                    student=student, nested=False)
            except (_Skip, OSError) as why:
                report.attention.append(f"{student}: {clean_text(why, 200)}: skipped")
                continue
            report.attention += [f"{student}: {p}" for p in problems]
            if status == "kept":
                report.kept.append(student)
            elif status == "collected":
                report.collected.append(student)
    finally:
        os.close(root_fd)
    return report


def _collect_student(layout, assignment, root_fd, name, force, now, student=None, nested=True):
    problems = []
    student = student or name
    student_fd = _open_dir(root_fd, name)
    try:
        inner_fd = student_fd
        try:
            st = os.stat(assignment, dir_fd=student_fd, follow_symlinks=False) if nested else None
            if st is not None and stat.S_ISDIR(st.st_mode):
                inner_fd = _open_dir(student_fd, assignment)
        except FileNotFoundError:
            pass
        try:
            files, skipped = {}, []
            for entry in sorted(os.scandir(inner_fd), key=lambda e: e.name):
                if not entry.name.endswith(".ipynb") or entry.name.startswith("."):
                    continue
                if len(files) >= MAX_NOTEBOOKS:
                    skipped.append(f"more than {MAX_NOTEBOOKS} notebooks")
                    break
                try:
                    files[entry.name] = read_regular(inner_fd, entry.name, MAX_NOTEBOOK_BYTES)
                except _Skip as why:
                    skipped.append(str(why))
            try:
                ts_raw = read_regular(inner_fd, "timestamp.txt", MAX_TIMESTAMP_BYTES)
            except _Skip as why:
                ts_raw = None
                if "No such file" not in str(why):
                    skipped.append(str(why))
        finally:
            if inner_fd != student_fd:
                os.close(inner_fd)
    finally:
        os.close(student_fd)
    problems += [f"{clean_text(s, 200)}: skipped" for s in skipped]
    if not files:
        if skipped:
            problems.append("no notebook collected")
        return "empty", problems
    dest = layout.submitted_dir(student, assignment)
    if dest.exists() or dest.is_symlink():
        if not force:
            return "kept", problems
        aside = dest.with_name(f"{assignment}.replaced-{dt.datetime.now():%Y%m%dT%H%M%S%f}")
        dest.rename(aside)
    dest.mkdir(parents=True)
    for fname, data in files.items():
        fd = os.open(dest / fname, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)  # bytes as submitted, even if not valid JSON: autograde reports that
    stamp, ts_problem = _timestamp(ts_raw, now)
    if ts_problem:
        problems.append(ts_problem)
    (dest / "timestamp.txt").write_text(stamp)
    return "collected", problems
