"""``coursekit site build``: the course as a static web site, for students who would rather read and click.

The site (default ``_site/``) holds

* ``index.html`` -- the timetable from ``schedule.yaml`` (Beijing time), each
  session with its lecture page, assignment, and recording chapters as links
  that open the video at the chapter, and the search box;
* ``lectures/<notebook>.html`` -- each lecture notebook that exists, rendered by
  nbconvert's ``lab`` template (the ecosystem's renderer, not hand-written HTML),
  under the session header (:func:`coursekit.course.lecture.header`: date,
  teacher, chapters as links).  A heading's chapter marker line ``▶ 12:30``
  becomes a link that opens the recording at that time.  By default the
  committed notebooks are rendered as they are (without outputs: notebooks are
  committed clean); ``execute=True`` (``--execute``) runs each one first, on a
  fresh kernel, within ``timeout`` seconds a cell -- each lecture's full time
  budget, so minutes for the whole course;
* ``glossary.html`` -- the glossary's concepts in both languages, their code and sessions;
* ``search-index.json`` -- the prebuilt search index: concepts with all their
  names, sessions, notebook headings (with their page anchors) and every
  sentence of the recordings' transcripts (with its time, video link and the
  section whose chapter marker covers it); ``search-index.js`` carries the
  same JSON for ``search.js``, so that search works from ``file://`` too (a
  browser does not let a page ``fetch`` a local file);
* ``search.js``, ``site.css``.

The browser search matches like :func:`coursekit.lookup`, in small: case and
width folded, punctuation ignored, every word of the query in any order, a
Chinese query as a run of characters (one wrong character allowed from four
characters, as an input method's homophone: 泄露 for 泄漏), one typo in words of five letters or
more (two from nine) against the index's vocabulary, and a query that names a
glossary concept also finds the concept's other names (``leak`` finds
泄漏整合发放模型 in a Chinese lecture).
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .lecture import header
from .lookup import LookupIndex, build_index
from .matching import normalize as _normalize
from .notebook_index import plain as _plain
from .schedule import Schedule, Session, load_schedule

__all__ = ["Site", "build_site", "render_notebook"]

_ASSETS = ("search.js", "site.css")
_MARKER_LINE_RE = re.compile(r"^(\s*)▶\s*((?:\d{1,2}:)?\d{1,2}:[0-5]\d)\s*$")
_HEADING_HTML_RE = re.compile(r'<h([1-6]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Site:
    """What :func:`build_site` wrote."""

    out: Path
    pages: tuple[Path, ...]
    lectures: tuple[Path, ...]
    entries: int
    executed: bool = False

    def __str__(self) -> str:
        how = "executed" if self.executed else "as committed, not executed"
        return (f"site written to {self.out}: {len(self.pages)} pages ({len(self.lectures)} lectures, {how}), "
                f"search index of {self.entries} entries\n  open {self.out / 'index.html'}")


def _seconds(clock: str) -> int:
    parts = [int(p) for p in clock.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    return 3600 * parts[0] + 60 * parts[1] + parts[2]


def _clock(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def _page_name(notebook: str) -> str:
    return "lectures/" + Path(notebook).stem + ".html"


def _link_markers(source: str, session: Session | None) -> str:
    """Chapter marker lines ``▶ 12:30`` as Markdown links to the recording at that time."""
    if session is None or not session.recording.url:
        return source
    out = []
    for line in source.split("\n"):
        m = _MARKER_LINE_RE.match(line)
        if m:
            t = _seconds(m.group(2))
            url = session.recording.url_at(t)
            line = f"{m.group(1)}[▶ {_clock(t)}]({url})"
        out.append(line)
    return "\n".join(out)


def render_notebook(path: str | os.PathLike, session: Session | None, *, schedule: Schedule | None = None,
                    execute: bool = False, timeout: int = 600) -> tuple[str, dict[int, str]]:
    """One lecture notebook as an HTML page (nbconvert ``lab`` template) and its heading anchors.

    Returns
    -------
    page : str
        The HTML, with the session header (chapters as links) at the top and
        chapter markers as links to the recording.
    anchors : dict
        Index of each ``#``-``###`` heading (in :func:`coursekit.course.lookup.notebook_headings`
        order) -> the ``id`` nbconvert gave it.
    """
    import nbformat
    from nbconvert import HTMLExporter

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _link_markers(cell.source, session)
    if execute:
        from nbclient import NotebookClient

        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    title = html.escape(session.title_en if session else path.stem)
    body = body.replace("<title>Notebook</title>", f"<title>{title}</title>", 1)
    top = _nav("../") + (f"<div class='coursekit-site-header'>{header(session.id, schedule)._repr_html_()}</div>"
                         if session is not None else "")
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + top, body, count=1)
    body = body.replace("</head>", "<link rel='stylesheet' href='../site.css'/></head>", 1)

    # the anchors nbconvert gave the headings, matched to the notebook's own headings by their text
    from .notebook_index import notebook_headings

    found = [(int(lv), hid, _normalize(_plain(html.unescape(_TAG_RE.sub("", txt)).replace("¶", ""))))
             for lv, hid, txt in _HEADING_HTML_RE.findall(body)]
    anchors, pos = {}, 0
    for k, h in enumerate(notebook_headings(path)):
        want = _normalize(_plain(h.text))
        for j in range(pos, len(found)):
            if found[j][0] == h.level and found[j][2] == want:
                anchors[k] = found[j][1]
                pos = j + 1
                break
    return body, anchors


# ----------------------------------------------------------------------------- pages


def _nav(prefix: str) -> str:
    return (f"<nav class='coursekit-nav'><a href='{prefix}index.html'>Schedule · 课表</a>"
            f"<a href='{prefix}glossary.html'>Glossary · 术语</a>"
            f"<a href='{prefix}index.html#search'>Search · 搜索</a></nav>")


def _page(title: str, body: str, prefix: str = "", scripts: str = "") -> str:
    return ("<!DOCTYPE html>\n<html lang='zh-Hans'><head><meta charset='utf-8'/>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'/>"
            f"<title>{html.escape(title)}</title><link rel='stylesheet' href='{prefix}site.css'/></head>"
            f"<body>{_nav(prefix)}<main>{body}</main>{scripts}</body></html>\n")


def _chapters_html(s: Session) -> str:
    rec = s.recording
    if not rec.url:
        return "<span class='muted'>recording not yet available</span>"
    items = "".join(f"<li><a href='{html.escape(rec.url_at(ch), quote=True)}' target='_blank'>▶ "
                    f"{_clock(ch.seconds)}</a> {html.escape(ch.title)}</li>" for ch in rec.chapters)
    link = f"<a href='{html.escape(rec.url, quote=True)}' target='_blank'>recording</a>"
    return link + (f"<ul class='chapters'>{items}</ul>" if items else "")


def _index_page(sched: Schedule, lecture_pages: dict[str, str]) -> str:
    e = html.escape
    rows, day = [], None
    for s in sched.sessions:
        if s.date != day:
            day = s.date
            rows.append(f"<tr class='day'><th colspan='5'>{s.date.isoformat()} ({s.date:%a})</th></tr>")
        page = lecture_pages.get(s.notebook or "")
        title = f"{e(s.title_zh)}<br><small>{e(s.title_en)}</small>"
        if page:
            title = f"<a href='{e(page, quote=True)}'>{title}</a>"
        extra = f"<br><small>assignment <code>{e(s.assignment)}</code></small>" if s.assignment else ""
        rows.append(f"<tr id='{e(s.id, quote=True)}'><td class='time'>{s.start:%H:%M}–{s.end:%H:%M}</td>"
                    f"<td>{e(s.kind_label)}</td><td>{title}{extra}</td><td>{e(s.teacher or '')}</td>"
                    f"<td>{_chapters_html(s) if s.kind not in ('logistics', 'visit') else ''}</td></tr>")
    search = ("<section id='search'><h2>Search · 搜索</h2>"
              "<input id='ck-query' type='search' placeholder='泄漏, leak, voltage clamp, 相平面 …' "
              "autocomplete='off'/><p id='ck-status' class='muted'></p><ol id='ck-results'></ol></section>")
    body = (f"<h1>{e(sched.title_zh)}</h1><p>{e(sched.title_en)}</p>{search}"
            "<h2>Schedule · 课表 <small class='muted'>(Beijing time, UTC+8)</small></h2>"
            "<table class='schedule'><thead><tr><th>time</th><th>kind</th><th>session</th><th>teacher</th>"
            f"<th>recording</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    scripts = "<script src='search-index.js'></script><script src='search.js'></script>"
    return _page(sched.title_en, body, scripts=scripts)


def _glossary_page(index: LookupIndex) -> str:
    e = html.escape
    rows = []
    for c in index.concepts:
        sessions = ", ".join(f"<a href='index.html#{e(sid, quote=True)}'>{e(sid)}</a>" for sid in c.sessions)
        code = "<br>".join(f"<code>{e(f)}</code>" for f in c.functions)
        rows.append(f"<tr id='{e(c.id, quote=True)}'><td>{e(c.en)}</td><td>{e(c.zh)}</td>"
                    f"<td><small>{e(' · '.join(c.synonyms))}</small></td><td>{code}</td><td>{sessions}</td></tr>")
    body = ("<h1>Glossary · 术语表</h1><table class='glossary'><thead><tr><th>English</th><th>中文</th>"
            f"<th>also</th><th>coursekit</th><th>sessions</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return _page("Glossary", body)


# ----------------------------------------------------------------------------- the search index


def search_index(index: LookupIndex, lecture_pages: dict[str, str], anchors: dict[str, dict[int, str]]) -> dict:
    """The browser's search index: concepts, sessions, headings and what was said, with their links."""
    sched = index.schedule
    sessions = {s.id: s for s in sched.sessions}
    entries = []
    for s in sched.sessions:
        entries.append({"k": "session", "t": f"{s.title_zh} / {s.title_en}", "s": s.id,
                        "x": " ".join((s.teacher or "", *s.topics_zh, *s.topics_en, *s.keywords_zh, *s.keywords_en)),
                        "u": f"index.html#{s.id}"})
    heading_link: dict[tuple[str, str], str] = {}
    by_notebook: dict[str, int] = {}
    for h in index.headings:
        k = by_notebook.get(h.notebook, 0)
        by_notebook[h.notebook] = k + 1
        page = lecture_pages.get(h.notebook)
        if page is None:
            continue
        anchor = anchors.get(h.notebook, {}).get(k)
        url = page + (f"#{anchor}" if anchor else "")
        heading_link.setdefault((h.notebook, h.text), url)
        owner = next((s for s in sched.sessions_for_notebook(h.notebook)), None)
        entry = {"k": "section", "t": _plain(h.text), "s": owner.id if owner else None, "u": url}
        if owner is not None and h.chapter_at is not None and owner.recording.url:
            entry.update(ts=_clock(h.chapter_at), v=owner.recording.url_at(h.chapter_at))
        entries.append(entry)
    for said in index.said.said:
        s = sessions[said.session]
        section = index.section_at(s.notebook, said.seconds)
        entry = {"k": "said", "t": said.text, "s": s.id, "ts": _clock(said.seconds),
                 "v": s.recording.url_at(said.seconds) if s.recording.url else ""}
        if section and (s.notebook, section) in heading_link:
            entry.update(sec=_plain(section), u=heading_link[(s.notebook, section)])
        elif s.notebook in lecture_pages:
            entry["u"] = lecture_pages[s.notebook]
        entries.append(entry)
    concepts = []
    for c in index.concepts:
        concepts.append({"id": c.id, "t": c.title, "terms": list(c.terms()), "s": list(c.sessions),
                         "u": f"glossary.html#{c.id}"})
        entries.append({"k": "concept", "t": c.title, "x": " ".join(c.synonyms), "s": c.sessions[0] if c.sessions else None,
                        "u": f"glossary.html#{c.id}"})
    vocab = set()
    for e in entries:
        for w in _normalize(e["t"] + " " + e.get("x", "")).split():
            if w.isascii() and w.isalpha() and len(w) >= 4:
                vocab.add(w)
    titles = {s.id: f"{s.title_zh} / {s.title_en}" for s in sched.sessions}
    return {"format": "coursekit-site-search 1", "sessions": titles, "concepts": concepts,
            "vocab": sorted(vocab), "entries": entries}


# ----------------------------------------------------------------------------- build


def build_site(out: str | os.PathLike = "_site", *, schedule: Schedule | str | os.PathLike | None = None,
               lectures_dir: str | os.PathLike | None = None, execute: bool = False,
               timeout: int = 600) -> Site:
    """Write the static course site to ``out`` (see the module docstring).

    Parameters
    ----------
    out : path
        Output folder; created, and its previous pages replaced.
    schedule : Schedule or path, optional
        Default: the course's ``schedule.yaml``; transcripts are read from
        ``recordings/`` beside it.
    lectures_dir : path, optional
        Default: ``lectures/`` beside the schedule.
    execute : bool
        Run each notebook on a fresh kernel before rendering (slow).
    timeout : int
        Seconds a cell may run when executing.

    Raises
    ------
    ValueError
        If ``out`` is a file, or holds files that are not a site this function built.
    """
    sched = schedule if isinstance(schedule, Schedule) else load_schedule(schedule)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: {out} is a file, expected a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "search-index.json").is_file():
        raise ValueError(f"--out: {out} is not empty and holds no site built by coursekit; "
                         "choose another folder (nothing was written)")
    lec_dir = Path(lectures_dir) if lectures_dir is not None else (sched.root or Path.cwd()) / "lectures"
    index = build_index(sched, None, lec_dir)
    if out.is_dir():
        shutil.rmtree(out)
    (out / "lectures").mkdir(parents=True)

    lecture_pages, anchors, written = {}, {}, []
    for nb in sorted(index.notebooks_present):
        owners = sched.sessions_for_notebook(nb)
        page, ids = render_notebook(lec_dir / Path(nb).name, owners[0] if owners else None, schedule=sched,
                                    execute=execute, timeout=timeout)
        name = _page_name(nb)
        (out / name).write_text(page, encoding="utf-8")
        lecture_pages[nb], anchors[nb] = name, ids
        written.append(out / name)

    data = search_index(index, lecture_pages, anchors)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    (out / "search-index.json").write_text(text, encoding="utf-8")
    (out / "search-index.js").write_text(f"window.COURSEKIT_INDEX = {text};\n", encoding="utf-8")
    for asset in _ASSETS:
        source = resources.files("coursekit.course").joinpath("site_assets", asset)
        (out / asset).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (out / "index.html").write_text(_index_page(sched, lecture_pages), encoding="utf-8")
    (out / "glossary.html").write_text(_glossary_page(index), encoding="utf-8")
    pages = (out / "index.html", out / "glossary.html", *written)
    return Site(out, pages, tuple(written), len(data["entries"]), execute)
