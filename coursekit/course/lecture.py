"""Building blocks of a lecture notebook: the session header, the key terms, erratum boxes, the course map.

Every lecture notebook opens with ``display(header("d2-am"), key_terms("d2-am"))``:
title, date, Beijing time, teacher, recording and chapters, keywords and the
``coursekit lookup`` line, all read from ``schedule.yaml`` (never typed into the
notebook), so a changed room, teacher or recording link shows up in every
notebook at its next run; then the zh/en table of the glossary's concepts for
the session.  ``lectures/README.md`` describes the whole lecture format.

Where the course notes print an equation wrongly, the lecture shows an
``erratum(notes_form, correct_form, why)`` box instead of silently using the
right form.

Each helper returns a small object that Jupyter renders as HTML (or Markdown)
and that ``print`` renders as plain text.  Only the standard library and
:mod:`coursekit.course.schedule` (PyYAML) are imported: no matplotlib, no numba.
"""
from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass

from .schedule import Schedule, Session, load_schedule

__all__ = ["Header", "Erratum", "CourseMap", "KeyTerms", "header", "erratum", "course_map", "key_terms"]

_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_NO_RECORDING = "recording not yet available"


def _schedule(schedule) -> Schedule:
    if isinstance(schedule, Schedule):
        return schedule
    return load_schedule(schedule)  # None: $COURSEKIT_SCHEDULE or the repository's schedule.yaml


def _lookup_query(session: Session) -> str:
    words = session.keywords_en or session.topics_en or (session.title_en,)
    q = words[0]
    return f'"{q}"' if any(c.isspace() for c in q) else q


def _when(session: Session) -> str:
    d = session.date
    return (f"{d.isoformat()} ({_WEEKDAYS_EN[d.weekday()]}, {_WEEKDAYS_ZH[d.weekday()]}), "
            f"{session.start:%H:%M}–{session.end:%H:%M} Beijing time (UTC+8)")


@dataclass(frozen=True, repr=False)
class Header:
    """The header of a session's lecture notebook (see :func:`header`)."""

    session: Session
    course_title_en: str = ""

    # -- the pieces, shared by the three renderings
    @property
    def lookup_command(self) -> str:
        """``coursekit lookup QUERY`` for the session's first keyword."""
        return f"coursekit lookup {_lookup_query(self.session)}"

    def _fields(self):
        s = self.session
        rows = [("When", _when(s)), ("Teacher", s.teacher or "—"), ("Kind", s.kind_label)]
        if s.location:
            rows.append(("Where", s.location))
        if s.assignment:
            rows.append(("Assignment", s.assignment))
        return rows

    def _keywords(self) -> str:
        s = self.session
        return " · ".join(s.keywords_en + s.keywords_zh)

    def _topics(self) -> str:
        s = self.session
        return " · ".join(s.topics_en + s.topics_zh)

    def __str__(self) -> str:
        s = self.session
        lines = [f"{s.title_zh} / {s.title_en}  [{s.id}]"]
        lines += [f"{k}: {v}" for k, v in self._fields()]
        rec = s.recording
        lines.append(f"Recording: {rec.url or _NO_RECORDING}")
        for ch in rec.chapters:
            lines.append(f"  {ch.time}  {ch.title}" + (f"  {rec.url_at(ch)}" if rec.url else ""))
        lines.append(f"Topics: {self._topics()}")
        lines.append(f"Keywords: {self._keywords()}")
        lines.append(f"look up: `{self.lookup_command}`")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        s = self.session
        out = [f"# {s.title_en}", f"### {s.title_zh}", ""]
        out += [f"- **{k}**: {v}" for k, v in self._fields()]
        rec = s.recording
        out.append(f"- **Recording**: [{rec.url}]({rec.url})" if rec.url else f"- **Recording**: {_NO_RECORDING}")
        for ch in rec.chapters:
            title = f"[{ch.title}]({rec.url_at(ch)})" if rec.url else ch.title
            out.append(f"    - `{ch.time}` {title}")
        out.append(f"- **Topics**: {self._topics()}")
        out.append(f"- **Keywords**: {self._keywords()}")
        out.append(f"- look up: `{self.lookup_command}`")
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        s = self.session
        e = html.escape
        rows = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{e(k)}</th><td style='text-align:left'>"
                       f"{e(v)}</td></tr>" for k, v in self._fields())
        rec = s.recording
        if rec.url:
            rec_html = f"<a href='{e(rec.url, quote=True)}' target='_blank'>{e(rec.url)}</a>"
        else:
            rec_html = f"<em>{_NO_RECORDING}</em>"
        if rec.chapters:
            items = "".join(
                f"<li><code>{e(ch.time)}</code> "
                + (f"<a href='{e(rec.url_at(ch), quote=True)}' target='_blank'>{e(ch.title)}</a>" if rec.url
                   else e(ch.title))
                + "</li>" for ch in rec.chapters)
            rec_html += f"<ol style='margin:0'>{items}</ol>"
        rows += f"<tr><th style='text-align:left;vertical-align:top'>Recording</th><td style='text-align:left'>{rec_html}</td></tr>"
        rows += f"<tr><th style='text-align:left'>Topics</th><td style='text-align:left'>{e(self._topics())}</td></tr>"
        rows += f"<tr><th style='text-align:left'>Keywords</th><td style='text-align:left'>{e(self._keywords())}</td></tr>"
        rows += (f"<tr><th style='text-align:left'>look up</th><td style='text-align:left'>"
                 f"<code>{e(self.lookup_command)}</code></td></tr>")
        return (f"<div class='coursekit-header' style='border-left:4px solid #3b6ea5;padding:0.3em 1em'>"
                f"<h1 style='margin-bottom:0'>{e(s.title_en)}</h1><h3 style='margin-top:0.2em'>{e(s.title_zh)}</h3>"
                f"<table>{rows}</table></div>")

    def __repr__(self) -> str:  # text/plain in Jupyter (nbconvert to text, terminals)
        return str(self)


def header(session_id: str, schedule: Schedule | str | os.PathLike | None = None) -> Header:
    """The header of the lecture notebook for ``session_id``, read from the schedule.

    Parameters
    ----------
    session_id : str
        A session id of ``schedule.yaml``, e.g. ``"d2-am"``.
    schedule : Schedule or path, optional
        Another timetable; default ``$COURSEKIT_SCHEDULE`` or the repository's
        ``schedule.yaml``.

    Returns
    -------
    Header
        Displays as HTML/Markdown in Jupyter, as plain text with ``print``.

    Raises
    ------
    UnknownSessionError
        If the schedule has no such session (the message suggests close ids).
    """
    sched = _schedule(schedule)
    return Header(sched.session(session_id), sched.title_en)


@dataclass(frozen=True, repr=False)
class Erratum:
    """A correction to the course notes (see :func:`erratum`)."""

    notes_form: str
    correct_form: str
    why: str
    title: str = "Erratum"

    def __str__(self) -> str:
        return (f"{self.title}\n  the notes write:  {self.notes_form}\n  correct form:     {self.correct_form}\n"
                f"  why: {self.why}")

    def __repr__(self) -> str:  # text/plain in Jupyter
        return str(self)

    def _repr_markdown_(self) -> str:
        return (f"> **⚠ {self.title}**\n>\n> The notes write: {self.notes_form}\n>\n"
                f"> Correct form: {self.correct_form}\n>\n> *Why:* {self.why}\n")

    def _repr_html_(self) -> str:
        # the fields are Markdown: **bold**, *italic*, `code`; $...$ math is left for MathJax
        return ("<div class='coursekit-erratum' style='border:1px solid #d9822b;border-left:6px solid #d9822b;"
                "background:rgba(217,130,43,0.08);padding:0.5em 1em;margin:0.5em 0'>"
                f"<strong>⚠ {html.escape(self.title)}</strong>"
                f"<p><b>The notes write:</b> {inline_markdown(self.notes_form)}</p>"
                f"<p><b>Correct form:</b> {inline_markdown(self.correct_form)}</p>"
                f"<p><b>Why:</b> {inline_markdown(self.why)}</p></div>")


_MATH = re.compile(r"(\$\$.+?\$\$|\$[^$]+?\$)", re.S)


def inline_markdown(text: str) -> str:
    """A line of Markdown as HTML: ``**bold**``, ``*italic*``, `` `code` ``; ``$...$`` math kept for MathJax.

    Text outside math and code is HTML-escaped, so a ``<`` in an equation note cannot break the page.
    """
    out = []
    for k, part in enumerate(_MATH.split(text)):
        if k % 2:  # math: MathJax reads it from the page as written
            out.append(html.escape(part, quote=False))
            continue
        pieces = re.split(r"(`[^`]+`)", part)
        for j, piece in enumerate(pieces):
            if j % 2:
                out.append(f"<code>{html.escape(piece[1:-1])}</code>")
                continue
            piece = html.escape(piece, quote=False)
            piece = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", piece)
            piece = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)", r"<i>\1</i>", piece)
            out.append(piece)
    return "".join(out)


def erratum(notes_form: str, correct_form: str, why: str, *, title: str = "Erratum") -> Erratum:
    """A box that states where the course notes are wrong and the correct form.

    Parameters
    ----------
    notes_form : str
        What the notes write (Markdown/LaTeX allowed, e.g. ``"$\\phi[\\alpha_x(1-x)-\\beta_x]$"``).
    correct_form : str
        The correct form, with its source.
    why : str
        A short argument or check that shows why (a limit, a unit, a number).
    title : str
        Box title, default ``"Erratum"``.
    """
    for name, value in (("notes_form", notes_form), ("correct_form", correct_form), ("why", why)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"erratum: {name} must be a non-empty text, got {value!r}")
    return Erratum(notes_form.strip(), correct_form.strip(), why.strip(), title)


_NOT_WRITTEN = "not written yet"


@dataclass(frozen=True, repr=False)
class CourseMap:
    """The sessions with a lecture notebook, in course order (see :func:`course_map`).

    A notebook or assignment that does not exist in the course directory yet is
    marked "not written yet", so the map never promises what is not there.
    """

    sessions: tuple[Session, ...]
    highlight: str | None = None
    schedule: Schedule | None = None

    def _notebook(self, s: Session) -> str:
        if not s.notebook:
            return ""
        written = self.schedule.notebook_written(s) if self.schedule is not None else True
        return s.notebook if written else f"{s.notebook} ({_NOT_WRITTEN})"

    def _assignment(self, s: Session) -> str:
        if not s.assignment:
            return ""
        state = self.schedule.assignment_state(s) if self.schedule is not None else None
        return s.assignment if state in (None, "released") else f"{s.assignment} ({state})"

    def rows(self):
        """(id, date, time, title en, title zh, teacher, notebook, assignment) per session."""
        return [(s.id, s.date.isoformat(), f"{s.start:%H:%M}–{s.end:%H:%M}", s.title_en, s.title_zh,
                 s.teacher or "", self._notebook(s), self._assignment(s)) for s in self.sessions]

    def written(self) -> list[str]:
        """Ids of the sessions whose notebook exists."""
        return [s.id for s in self.sessions if self.schedule is None or self.schedule.notebook_written(s)]

    def __len__(self):
        return len(self.sessions)

    def __repr__(self) -> str:  # text/plain in Jupyter
        return str(self)

    def __str__(self) -> str:
        lines = []
        for sid, date, time, en, zh, teacher, nb, asg in self.rows():
            mark = "▶ " if sid == self.highlight else "  "
            lines.append(f"{mark}{date} {time}  {sid:<7} {en} / {zh} — {teacher}  {nb}"
                         + (f"  [{asg}]" if asg else ""))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        out = ["| | date | time | session | teacher | notebook | assignment |", "|---|---|---|---|---|---|---|"]
        for sid, date, time, en, zh, teacher, nb, asg in self.rows():
            mark = "▶" if sid == self.highlight else ""
            out.append(f"| {mark} | {date} | {time} | {en}<br>{zh} (`{sid}`) | {teacher} | `{nb}` | {asg} |")
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(f"<th style='text-align:left'>{h}</th>"
                       for h in ("", "date", "time", "session", "teacher", "notebook", "assignment"))
        body = ""
        for sid, date, time, en, zh, teacher, nb, asg in self.rows():
            style = " style='font-weight:bold'" if sid == self.highlight else ""
            body += (f"<tr{style}><td>{'▶' if sid == self.highlight else ''}</td><td>{e(date)}</td><td>{e(time)}</td>"
                     f"<td style='text-align:left'>{e(en)}<br>{e(zh)} <code>{e(sid)}</code></td><td>{e(teacher)}</td>"
                     f"<td style='text-align:left'><code>{e(nb)}</code></td><td>{e(asg)}</td></tr>")
        return f"<table class='coursekit-course-map'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def course_map(schedule: Schedule | str | os.PathLike | None = None, *, kinds=("lecture", "lab"),
               highlight: str | None = None) -> CourseMap:
    """The course at a glance: every session of the given kinds that has a lecture notebook.

    Parameters
    ----------
    schedule : Schedule or path, optional
        Default ``$COURSEKIT_SCHEDULE`` or the repository's ``schedule.yaml``.
    kinds : sequence of str
        Session kinds to list (default lectures and labs).
    highlight : str, optional
        A session id to mark (e.g. the current notebook's).
    """
    sched = _schedule(schedule)
    if highlight is not None:
        sched.session(highlight)  # fail early on an unknown id
    return CourseMap(tuple(s for s in sched.sessions if s.kind in kinds and s.notebook), highlight, sched)


@dataclass(frozen=True, repr=False)
class KeyTerms:
    """The glossary's concepts of one session: 中文, English and where they live in coursekit."""

    session: Session
    rows: tuple[tuple[str, str, str], ...]   #: (zh, en, coursekit path or "—")

    def __len__(self):
        return len(self.rows)

    def __str__(self) -> str:
        lines = [f"Key terms of {self.session.id} ({len(self.rows)}):"]
        lines += [f"  {zh} — {en} — {code}" for zh, en, code in self.rows]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        out = ["| 中文 | English | coursekit |", "|---|---|---|"]
        out += [f"| {zh} | {en} | {'`' + code + '`' if code != '—' else code} |" for zh, en, code in self.rows]
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        e = html.escape
        body = "".join(f"<tr><td style='text-align:left'>{e(zh)}</td><td style='text-align:left'>{e(en)}</td>"
                       f"<td style='text-align:left'>{'<code>' + e(code) + '</code>' if code != '—' else '—'}</td></tr>"
                       for zh, en, code in self.rows)
        return ("<details open class='coursekit-key-terms'><summary><b>Key terms 关键词</b></summary>"
                "<table><thead><tr><th style='text-align:left'>中文</th><th style='text-align:left'>English</th>"
                f"<th style='text-align:left'>coursekit</th></tr></thead><tbody>{body}</tbody></table></details>")


def key_terms(session_id: str, schedule: Schedule | str | os.PathLike | None = None) -> KeyTerms:
    """The zh/en key-terms table of a session, generated from the glossary (``coursekit/course/glossary.yaml``).

    Parameters
    ----------
    session_id : str
        A session id of ``schedule.yaml``, e.g. ``"d2-am"``.
    schedule : Schedule or path, optional
        Another timetable (default: the course's).

    Returns
    -------
    KeyTerms
        Every concept whose ``sessions`` name the session, in glossary order, with
        its first coursekit function (or "—" where the course covers it without code).
    """
    from .glossary import load_glossary

    sched = _schedule(schedule)
    session = sched.session(session_id)
    rows = tuple((c.zh, c.en, c.functions[0] if c.functions else "—")
                 for c in load_glossary() if session_id in c.sessions)
    return KeyTerms(session, rows)
