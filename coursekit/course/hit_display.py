"""How lookup's hits read: text rows for ``print`` and the command line, an HTML table for Jupyter.

Functions of a :class:`coursekit.course.lookup.Hit` (or a list of them) that
return text; nothing here searches.  ``Hit.lines``, ``str(hit)``,
``Hits._repr_html_`` call them.

Standard library only.
"""
from __future__ import annotations

import html

from .matching import normalize

__all__ = ["clock", "code_summary", "hit_lines", "hit_text", "hits_html", "recording_text"]


def clock(seconds) -> str:
    """``750`` -> ``"12:30"``, ``3723`` -> ``"1:02:03"``."""
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def code_summary(refs) -> list[str]:
    """Function refs as import lines, grouped by module and state:
    ``from coursekit.analysis import fi_curve, rheobase  (available)``."""
    groups: dict[tuple, list[str]] = {}
    for r in refs:
        module, _, name = r.path.rpartition(".")
        if not r.exists and r.planned == r.path:  # a whole module that is planned
            module, name = r.path, ""
        groups.setdefault((module, r.state_text()), []).append(name)
    out = []
    for (module, state), names in groups.items():
        names = [n for n in names if n]
        line = f"from {module} import {', '.join(names)}" if names else f"import {module}"
        out.append(f"{line}  ({state})")
    return out


def recording_text(hit) -> str | None:
    """The recording row: URL, with the sentence's minute or the chapter; None where no recording is expected."""
    s = hit.session
    if s is None:
        return None
    if hit.said_at is not None:
        ch = f"  ({hit.chapter.title})" if hit.chapter else ""
        return f"{hit.recording_url or '(no URL yet)'}  ▶ {clock(hit.said_at)}{ch}"
    if hit.recording_url or hit.chapter:
        at = f"  at {hit.chapter.time} {hit.chapter.title}" if hit.chapter else ""
        return f"{hit.recording_url or '(no URL yet)'}{at}"
    if s.kind in ("logistics", "visit"):
        return None
    return "not available yet"


def _notebook_text(hit) -> str | None:
    if not hit.notebook:
        return None
    state = "" if hit.notebook_exists else " (not written yet)"
    sec = f"  § {hit.section}" if hit.section else ""
    return f"{hit.notebook}{state}{sec}"


def _assignment_text(hit) -> str | None:
    if not hit.assignment:
        return None
    state = hit.assignment_state
    return hit.assignment if state in (None, "released") else f"{hit.assignment} ({state})"


def hit_lines(hit) -> list[tuple[str, str]]:
    """(label, text) rows of a hit: session, recording, said, notebook, assignment, code."""
    rows = []
    s = hit.session
    if s is not None:
        who = f" — {s.teacher}" if s.teacher else ""
        rows.append(("session", f"{s.id}  {s.when()} (Beijing)  {s.title_zh} / {s.title_en}{who}"))
    said = f"▶ {clock(hit.said_at)}  “{hit.said}”" if hit.said else None
    for label, text in (("recording", recording_text(hit)), ("said", said), ("notebook", _notebook_text(hit)),
                        ("assignment", _assignment_text(hit))):
        if text:
            rows.append((label, text))
    for text in code_summary(hit.functions):
        rows.append(("code", text))
    return rows


def _head(hit) -> str:
    head = f"[{hit.score:.2f}] {hit.title}"
    if hit.kind == "text":
        head += f"   (text: {hit.matched!r})"
    elif hit.kind == "subtitle":
        head += f"   (said at {clock(hit.said_at)})"
    elif hit.matched and normalize(hit.matched) not in normalize(hit.title):
        head += f"   (matched {hit.matched!r})"
    return head


def hit_text(hit) -> str:
    """A hit as text: a head line (score, title, what matched) and its rows, indented."""
    body = [f"    {label:<10} {text}" for label, text in hit_lines(hit)]
    return "\n".join([_head(hit), *body])


_HTML_COLUMNS = ("found", "session", "date (Beijing)", "teacher", "recording", "notebook § section",
                 "assignment", "coursekit code")


def hits_html(hits) -> str:
    """Hits as an HTML table (every text escaped), one row a hit."""
    e = html.escape
    if not hits:
        return "<p><i>no matches</i></p>"
    cell = "<td style='text-align:left; vertical-align:top'>{}</td>"
    out = ["<table class='coursekit-lookup'>",
           "<tr>" + "".join(f"<th style='text-align:left'>{e(c)}</th>" for c in _HTML_COLUMNS) + "</tr>"]
    for h in hits:
        s = h.session
        found = f"<b>{e(h.title)}</b><br><small>{e(h.kind)} · score {h.score:.2f}"
        if h.kind in ("text", "subtitle"):
            found += f"<br>“{e(h.matched)}”"
        elif h.matched and normalize(h.matched) not in normalize(h.title):
            found += f" · matched “{e(h.matched)}”"
        found += "</small>"
        session = "" if s is None else f"{e(s.id)}<br>{e(s.title_zh)}<br><small>{e(s.title_en)}</small>"
        when = "" if s is None else (f"<span style='white-space:nowrap'>{s.date.isoformat()}</span><br>"
                                     f"{s.start:%H:%M}–{s.end:%H:%M}")
        teacher = e(s.teacher) if s is not None and s.teacher else ""
        if h.said_at is not None:
            at = f"▶ {clock(h.said_at)}"
            link = (f"<a href='{e(h.recording_url, quote=True)}' target='_blank'>{e(at)}</a>" if h.recording_url
                    else e(at))
            ch = f" {e(h.chapter.title)}" if h.chapter else ""
            rec = f"{link}{ch}<br><small>“{e(h.said)}”</small>"
        elif h.recording_url:
            at = f" at {h.chapter.time} {h.chapter.title}" if h.chapter else ""
            rec = f"<a href='{e(h.recording_url, quote=True)}' target='_blank'>recording</a>{e(at)}"
        else:
            rec = e(recording_text(h) or "")
        nb = ""
        if h.notebook:
            nb = f"<code>{e(h.notebook)}</code>" + ("" if h.notebook_exists else " <i>(not written yet)</i>")
            if h.section:
                nb += f"<br>§ {e(h.section)}"
        assignment = ""
        if h.assignment:
            assignment = f"<code>{e(h.assignment)}</code>"
            if h.assignment_state not in (None, "released"):
                assignment += f" <i>({e(h.assignment_state)})</i>"
        code = "<br>".join(
            f"<code>{e(f.path)}</code> " + ("✓" if f.exists else f"<i>({e(f.state_text())})</i>")
            for f in h.functions)
        out.append("<tr>" + "".join(cell.format(x) for x in
                                    (found, session, when, teacher, rec, nb, assignment, code)) + "</tr>")
    out.append("</table>")
    return "".join(out)
