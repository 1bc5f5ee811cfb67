"""Concept lookup: where in the course is X taught, and which coursekit function does it?

``lookup("泄漏")``, ``lookup("Mg block")``, ``lookup("bump")``, ``lookup("Hodgkin-Huxly")``
return ranked :class:`Hit` objects: the session (date, time, teacher), the
recording and chapter timestamp if known, the lecture notebook and section, the
assignment (and whether it is released), and the coursekit code (and whether it
exists, or which session's planned module will hold it).  In Jupyter the result
renders as a table; ``print`` gives the same as text; ``as_dict`` gives JSON.

The index is built from four sources and copies none of them:

* ``schedule.yaml`` -- sessions, teachers, topics, keywords, notebooks, assignments,
  recordings, and the modules marked ``planned_code`` (not written yet)
  (:mod:`coursekit.course.schedule`);
* the lecture notebooks that exist (``lectures/*.ipynb``): their markdown headings
  (``#`` to ``###``) and their markdown text, each paragraph tagged with the
  section it is in;
* ``glossary.yaml`` (shipped with this package) -- concepts with English/Chinese
  names, synonyms, the coursekit code and the session ids;
* the transcripts of the recordings (``recordings/<session>.json`` beside the
  schedule, written by ``coursekit recordings add``): what was said, sentence by
  sentence, with the second it starts at.

What was said: a sentence that matches the query, or a glossary name of a
concept the query matched (so ``leak`` finds 泄漏整合发放模型 and 漏电流 in a
Chinese lecture), gives the hit of its session the minute, the sentence and a
link that opens the video there.  A heading followed by a chapter marker line
``▶ 12:30`` owns the recording from that time to the next marker, so a
notebook section and the minute of the recording that explain the same concept
come back as one hit; a sentence in a session no other hit names is a hit of
its own (kind ``"subtitle"``).  Subtitles are indexed by word (English) and
character bigram (Chinese) postings, so a query touches only the sentences
that share its words.

Ranking: a glossary concept or a session outranks a notebook heading, which
outranks a paragraph of notebook text that says the same.  A paragraph found in
a notebook that a better hit already names only fills in that hit's section.

Matching works for English and Chinese alike, without a word segmenter:

* exact and substring matches (after case folding, NFKC and punctuation removal);
* typos: a bounded edit distance to the best-matching part of a term
  (``"Hodgkin-Huxly"``, ``"izhikevic"``), more edits for longer queries;
* multi-word queries word by word, in any order;
* character n-gram overlap: bigrams for Chinese, trigrams for Latin text.

Chinese is written without spaces, so a run of Chinese characters is one "word"
and a Chinese query matches by *substring* and n-grams of characters rather than
by word: ``泄漏`` finds ``泄漏整合发放模型`` and ``(泄漏积分器)``.  A segmenter
(jieba) would add a dependency and its own segmentation errors; character
matching needs neither.  In notebook text a Chinese query needs at least two
characters and a Latin query of three letters or fewer must be a whole word,
so that ``钳`` or ``LIF`` do not match every paragraph that contains the letters.

Importing this module is cheap: PyYAML and the standard library only, and
checking whether a function exists never imports the module that defines it.
"""
from __future__ import annotations

import ast
import html
import importlib.resources
import json
import os
import re
import sys
import types
import unicodedata
import warnings
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

from .schedule import Chapter, Schedule, Session, load_schedule, timestamp_url

__all__ = [
    "Concept",
    "FunctionRef",
    "GlossaryError",
    "Heading",
    "Hit",
    "Hits",
    "LookupIndex",
    "Passage",
    "Said",
    "build_index",
    "function_exists",
    "load_glossary",
    "lookup",
    "notebook_headings",
    "notebook_passages",
    "similarity",
]

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # .../coursekit
_DOTTED_RE = re.compile(r"^coursekit(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_CONCEPT_KEYS = {"id", "en", "zh", "synonyms", "function", "sessions"}

#: A match this good (see :func:`similarity`) needs no typo: the query's own words occur.
_EXACT = 0.9

#: Weight of each source in the ranking (multiplies the match quality).
WEIGHT_CONCEPT = 1.0
WEIGHT_HEADING = 0.9
WEIGHT_TEXT = 0.8
WEIGHT_SUBTITLE = 0.8


class GlossaryError(ValueError):
    """``glossary.yaml`` is malformed or names a session that is not in the schedule."""


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Concept:
    """A glossary entry."""

    id: str
    en: str
    zh: str
    synonyms: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.en} / {self.zh}"

    def terms(self) -> tuple[str, ...]:
        return (self.en, self.zh, *self.synonyms)


@dataclass(frozen=True)
class Heading:
    """A markdown heading of a lecture notebook."""

    notebook: str  # "lectures/NN_slug.ipynb"
    level: int
    text: str
    cell: int  # index of the markdown cell
    chapter_at: int | None = None  # seconds: the "▶ 12:30" marker line under the heading


@dataclass(frozen=True)
class Said:
    """A sentence of a recording's transcript: the session, the second it starts at, the text."""

    session: str
    seconds: int
    text: str


@dataclass(frozen=True)
class Passage:
    """A paragraph of markdown text of a lecture notebook, and the section it is in."""

    notebook: str  # "lectures/NN_slug.ipynb"
    section: str | None  # the heading above it (None before the first heading)
    cell: int
    text: str  # markdown markup removed


#: FunctionRef.status values
AVAILABLE = "available"
PLANNED = "not written yet"
MISSING = "not found in coursekit"


@dataclass(frozen=True)
class FunctionRef:
    """A coursekit object named by the glossary, and whether it exists now.

    Attributes
    ----------
    path : str
        Dotted name, ``coursekit.neurons.LIF``.
    exists : bool
        Whether the object exists in the installed coursekit.
    planned : str or None
        If it does not exist: the module that schedule.yaml marks as not written
        yet (``planned_code``) and that will hold it.
    sessions : tuple of str
        The sessions that plan that module.
    """

    path: str
    exists: bool
    planned: str | None = None
    sessions: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``"available"``, ``"not written yet"`` (planned) or ``"not found in coursekit"``."""
        return AVAILABLE if self.exists else PLANNED if self.planned else MISSING

    def state_text(self) -> str:
        """The status, with the planning sessions for planned code."""
        if self.exists or not self.planned:
            return self.status
        return f"{self.status}: planned for {', '.join(self.sessions)}"

    def __str__(self) -> str:
        return f"{self.path} ({self.state_text()})"


def _code_summary(refs) -> list[str]:
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


@dataclass(frozen=True)
class Hit:
    """One ranked lookup result.

    Attributes
    ----------
    score : float
        Match quality in [0, 1]; hits are sorted by it.
    kind : str
        ``"concept"`` (a glossary entry), ``"session"`` (a session of the
        timetable), ``"section"`` (a notebook heading) or ``"text"`` (a paragraph
        of a notebook).
    title : str
        What was found: the concept's names, the session title or the section.
    matched : str
        The text the query matched (for ``"text"`` hits, an excerpt of the paragraph).
    concept : str or None
        Glossary id.
    session : Session or None
        The session that teaches it (date, time, teacher, notebook, assignment).
    chapter : Chapter or None
        Chapter of the recording whose title matches, if the recording has chapters.
    recording_url : str
        Recording URL (starting at the chapter where the host allows); ``""`` if none yet.
    notebook : str or None
        Lecture notebook (``lectures/...``); ``notebook_exists`` says if it is written.
    section : str or None
        The section of that notebook: the matching heading, or the heading above
        the matching text.
    assignment : str or None
        Assignment id; ``assignment_state`` says if it is released, written but
        not released, or not written yet.
    functions : tuple of FunctionRef
        coursekit objects for the concept.
    said : str or None
        A sentence of the session's recording that matches (the query, or a
        glossary name of the concept); ``said_at`` is the second it starts at,
        and ``recording_url`` then opens the video there.
    """

    score: float
    kind: str
    title: str
    matched: str
    concept: str | None = None
    session: Session | None = None
    chapter: Chapter | None = None
    recording_url: str = ""
    notebook: str | None = None
    notebook_exists: bool = False
    section: str | None = None
    assignment: str | None = None
    assignment_state: str | None = None
    functions: tuple[FunctionRef, ...] = ()
    said: str | None = None
    said_at: int | None = None

    @property
    def timestamp(self) -> str | None:
        """Where the recording is opened: ``"12:30"`` (the sentence's time, else the chapter's)."""
        if self.said_at is not None:
            return _clock(self.said_at)
        return _clock(self.chapter.seconds) if self.chapter else None

    # -- display ---------------------------------------------------------------
    def _recording_text(self) -> str | None:
        s = self.session
        if s is None:
            return None
        if self.said_at is not None:
            ch = f"  ({self.chapter.title})" if self.chapter else ""
            return f"{self.recording_url or '(no URL yet)'}  ▶ {_clock(self.said_at)}{ch}"
        if self.recording_url or self.chapter:
            at = f"  at {self.chapter.time} {self.chapter.title}" if self.chapter else ""
            return f"{self.recording_url or '(no URL yet)'}{at}"
        if s.kind in ("logistics", "visit"):
            return None
        return "not available yet"

    def _notebook_text(self) -> str | None:
        if not self.notebook:
            return None
        state = "" if self.notebook_exists else " (not written yet)"
        sec = f"  § {self.section}" if self.section else ""
        return f"{self.notebook}{state}{sec}"

    def _assignment_text(self) -> str | None:
        if not self.assignment:
            return None
        state = self.assignment_state
        return self.assignment if state in (None, "released") else f"{self.assignment} ({state})"

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) rows shared by ``__str__`` and the HTML table."""
        rows = []
        s = self.session
        if s is not None:
            who = f" — {s.teacher}" if s.teacher else ""
            rows.append(("session", f"{s.id}  {s.when()} (Beijing)  {s.title_zh} / {s.title_en}{who}"))
        said = f"▶ {_clock(self.said_at)}  “{self.said}”" if self.said else None
        for label, text in (("recording", self._recording_text()), ("said", said), ("notebook", self._notebook_text()),
                            ("assignment", self._assignment_text())):
            if text:
                rows.append((label, text))
        for text in _code_summary(self.functions):
            rows.append(("code", text))
        return rows

    def _head(self) -> str:
        head = f"[{self.score:.2f}] {self.title}"
        if self.kind == "text":
            head += f"   (text: {self.matched!r})"
        elif self.kind == "subtitle":
            head += f"   (said at {_clock(self.said_at)})"
        elif self.matched and _normalize(self.matched) not in _normalize(self.title):
            head += f"   (matched {self.matched!r})"
        return head

    def __str__(self) -> str:
        body = [f"    {label:<10} {text}" for label, text in self.lines()]
        return "\n".join([self._head(), *body])

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's plain-text display
        p.text(str(self))

    def _repr_html_(self) -> str:
        return _hits_html([self])

    def as_dict(self) -> dict:
        """Plain-data form (for ``--json``)."""
        s = self.session
        return {
            "score": round(self.score, 3),
            "kind": self.kind,
            "title": self.title,
            "matched": self.matched,
            "concept": self.concept,
            "session": None if s is None else {
                "id": s.id, "date": s.date.isoformat(), "start": f"{s.start:%H:%M}",
                "end": f"{s.end:%H:%M}", "teacher": s.teacher, "title_zh": s.title_zh,
                "title_en": s.title_en, "kind": s.kind,
            },
            "recording_url": self.recording_url,
            "timestamp": self.timestamp,
            "chapter": self.chapter.title if self.chapter else None,
            "said": None if self.said is None else {
                "seconds": self.said_at, "time": _clock(self.said_at), "sentence": self.said,
                "url": self.recording_url,
            },
            "notebook": self.notebook,
            "notebook_exists": self.notebook_exists,
            "section": self.section,
            "assignment": self.assignment,
            "assignment_state": self.assignment_state,
            "functions": [{"path": f.path, "exists": f.exists, "status": f.status, "planned_module": f.planned,
                           "planned_sessions": list(f.sessions)} for f in self.functions],
        }


class Hits(list):
    """A list of :class:`Hit`: a table in Jupyter, readable text with ``print`` or at a prompt."""

    def __str__(self) -> str:
        if not self:
            return "no matches"
        return "\n\n".join(str(h) for h in self)

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's plain-text display
        p.text(str(self))

    def _repr_html_(self) -> str:
        return _hits_html(self)

    def as_dicts(self) -> list[dict]:
        """Plain data (what ``coursekit lookup --json`` prints)."""
        return [h.as_dict() for h in self]


_HTML_COLUMNS = ("found", "session", "date (Beijing)", "teacher", "recording", "notebook § section",
                 "assignment", "coursekit code")


def _hits_html(hits) -> str:
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
        elif h.matched and _normalize(h.matched) not in _normalize(h.title):
            found += f" · matched “{e(h.matched)}”"
        found += "</small>"
        session = "" if s is None else f"{e(s.id)}<br>{e(s.title_zh)}<br><small>{e(s.title_en)}</small>"
        when = "" if s is None else (f"<span style='white-space:nowrap'>{s.date.isoformat()}</span><br>"
                                     f"{s.start:%H:%M}–{s.end:%H:%M}")
        teacher = e(s.teacher) if s is not None and s.teacher else ""
        rec = h._recording_text() or ""
        if h.said_at is not None:
            at = f"▶ {_clock(h.said_at)}"
            link = (f"<a href='{e(h.recording_url, quote=True)}' target='_blank'>{e(at)}</a>" if h.recording_url
                    else e(at))
            ch = f" {e(h.chapter.title)}" if h.chapter else ""
            rec = f"{link}{ch}<br><small>“{e(h.said)}”</small>"
        elif h.recording_url:
            at = f" at {h.chapter.time} {h.chapter.title}" if h.chapter else ""
            rec = f"<a href='{e(h.recording_url, quote=True)}' target='_blank'>recording</a>{e(at)}"
        else:
            rec = e(rec)
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


# ----------------------------------------------------------------------------- text matching


def _clock(seconds) -> str:
    """``750`` -> ``"12:30"``, ``3723`` -> ``"1:02:03"``."""
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


_PUNCT_RE = re.compile(r"[\s\-‐‑‒–—_/·・、，,.;；:：()（）\[\]【】{}「」『』《》<>\"'`’‘“”!！?？|]+")
_CJK_SPLIT_RE = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)")


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese character (a regex search: this runs for every term of every query)."""
    return _CJK_RE.search(text) is not None


@lru_cache(maxsize=8192)
def _normalize(text: str) -> str:
    """Case-fold, NFKC (full-width -> ASCII, ² -> 2), punctuation -> single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _PUNCT_RE.sub(" ", text).strip()


@lru_cache(maxsize=8192)
def _tokens(norm: str) -> tuple[str, ...]:
    """Words; a run of Chinese characters is one word, split off from Latin text."""
    out = []
    for word in norm.split():
        out.extend(p for p in _CJK_SPLIT_RE.split(word) if p)
    return tuple(out)


@lru_cache(maxsize=8192)
def _grams(compact: str) -> frozenset:
    """Character bigrams of Chinese text, trigrams of other text."""
    n = 2 if _has_cjk(compact) else 3
    if len(compact) < n:
        return frozenset([compact]) if compact else frozenset()
    return frozenset(compact[i:i + n] for i in range(len(compact) - n + 1))


def _max_edits(q: str) -> int:
    """Typos allowed for a query of this length (Chinese characters carry more)."""
    n = len(q)
    if _has_cjk(q):
        return 0 if n < 4 else 1 if n < 8 else 2
    return 0 if n <= 3 else 1 if n <= 7 else 2 if n <= 12 else 3


def _substring_distance(q: str, t: str, bound: int) -> int:
    """Smallest edit distance between ``q`` and any substring of ``t``.

    Semi-global Levenshtein (free start and end in ``t``), with adjacent
    transpositions counted as one edit; returns ``bound + 1`` once every
    alignment is worse than ``bound``.
    """
    m = len(q)
    prev2 = None
    prev = list(range(m + 1))  # row for t[:0]: aligning q[:i] against nothing
    best = prev[m]
    for j in range(1, len(t) + 1):
        cur = [0] * (m + 1)  # free start: cur[0] = 0
        tj = t[j - 1]
        for i in range(1, m + 1):
            cost = 0 if q[i - 1] == tj else 1
            v = min(prev[i] + 1, cur[i - 1] + 1, prev[i - 1] + cost)
            if prev2 is not None and i > 1 and q[i - 1] == t[j - 2] and q[i - 2] == tj:
                v = min(v, prev2[i - 2] + 1)
            cur[i] = v
        best = min(best, cur[m])
        if best == 0:
            return 0
        prev2, prev = prev, cur
    return best if best <= bound else bound + 1


@lru_cache(maxsize=16384)
def _bigrams(text: str) -> frozenset:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def _may_be_within(q: str, t: str, bound: int) -> bool:
    """Cheap necessary condition for ``_substring_distance(q, t) <= bound``.

    One edit destroys at most three of the query's character bigrams, and an
    alignment within ``bound`` edits matches all but ``bound`` of its characters
    (the second test is what rules out most terms for a short query).
    """
    if sum(c in t for c in q) < len(q) - bound:
        return False
    bq = _bigrams(q)
    return len(bq & _bigrams(t)) >= len(bq) - 3 * bound


def _word_start(q: str, t: str) -> bool:
    return re.search(r"(?:^|\s)" + re.escape(q), t) is not None


def _token_similarity(qt: str, tt: str) -> float:
    if qt == tt:
        return 1.0
    cjk = _has_cjk(qt)
    if len(qt) >= (2 if cjk else 3) and qt in tt:
        return 0.9 if tt.startswith(qt) else 0.85
    bound = _max_edits(qt)
    if bound and len(tt) >= len(qt) - bound and _may_be_within(qt, tt, bound):
        d = _substring_distance(qt, tt, bound)
        if d <= bound:
            return 0.9 * (1 - d / len(qt))
    return 0.0


def similarity(query: str, term: str) -> float:
    """How well ``query`` matches ``term``, in [0, 1].

    1 for equal texts (after case folding and punctuation removal), about 0.9 when
    the query is a part of the term, less for typos (bounded edit distance to the
    best-matching part of the term), for multi-word queries matched word by word,
    and for partial character n-gram overlap.

    Examples
    --------
    >>> similarity("LIF", "lif") == 1.0
    True
    >>> similarity("泄漏", "泄漏整合发放模型") > 0.9
    True
    >>> similarity("Hodgkin-Huxly", "Hodgkin-Huxley") > 0.8
    True
    """
    return _similarity(_normalize(query), _normalize(term))


@lru_cache(maxsize=65536)
def _similarity(q: str, t: str) -> float:
    if not q or not t:
        return 0.0
    if q == t:
        return 1.0
    cq, ct = q.replace(" ", ""), t.replace(" ", "")
    if cq == ct:
        return 0.99
    cjk = _has_cjk(cq)
    best = 0.0
    # 1. the query is part of the term (short Latin queries only at a word start)
    if cq in ct and (cjk or len(cq) > 3 or _word_start(q, t)):
        best = 0.9 + 0.1 * len(cq) / len(ct)
        return best
    # 2. typos: edit distance to the best-matching part of the term
    bound = _max_edits(cq)
    if bound and _may_be_within(cq, ct, bound):
        d = _substring_distance(cq, ct, bound)
        if d <= bound:
            best = max(best, 0.9 * (1 - d / len(cq)))
    # 3. word by word (multi-word queries, words in another order)
    qts, tts = _tokens(q), _tokens(t)
    if len(qts) > 1 or len(tts) > 1:
        total = sum(len(w) for w in qts)
        acc = sum(len(w) * max((_token_similarity(w, tw) for tw in tts), default=0.0) for w in qts)
        best = max(best, 0.95 * acc / total)
    # 4. character n-gram overlap, measured on the query's n-grams
    gq, gt = _grams(cq), _grams(ct)
    if gq and len(gq) >= 2:
        containment = len(gq & gt) / len(gq)
        if containment >= 0.5:
            best = max(best, 0.8 * containment)
    return best


# ----------------------------------------------------------------------------- sources


def default_glossary_path() -> Path:
    """The glossary shipped with coursekit (``coursekit/course/glossary.yaml``)."""
    return Path(str(importlib.resources.files("coursekit.course").joinpath("glossary.yaml")))


def load_glossary(path: str | os.PathLike | None = None) -> tuple[Concept, ...]:
    """Load and validate the concept glossary.

    Raises
    ------
    GlossaryError
        Naming the concept and field of the first problem.
    """
    path = Path(path) if path is not None else default_glossary_path()
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise GlossaryError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), list):
        raise GlossaryError(f"{path.name}: expected a mapping with a list 'concepts'")
    concepts, seen = [], set()
    for i, raw in enumerate(data["concepts"]):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise GlossaryError(f"{path.name}: concept number {i + 1}: expected a mapping with an 'id'")
        cid = raw["id"]
        where = f"{path.name}: concept {cid!r}"
        if cid in seen:
            raise GlossaryError(f"{where} field 'id': duplicate id")
        seen.add(cid)
        unknown = set(raw) - _CONCEPT_KEYS
        if unknown:
            raise GlossaryError(f"{where}: unknown field(s) {sorted(unknown)}")
        for key in ("en", "zh"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise GlossaryError(f"{where} field {key!r}: expected a non-empty text")
        synonyms = raw.get("synonyms") or []
        if not isinstance(synonyms, list) or not all(isinstance(x, (str, int, float)) for x in synonyms):
            raise GlossaryError(f"{where} field 'synonyms': expected a list of texts")
        functions = raw.get("function")
        functions = [] if functions is None else [functions] if isinstance(functions, str) else functions
        if not isinstance(functions, list) or not all(isinstance(f, str) and _DOTTED_RE.match(f) for f in functions):
            raise GlossaryError(
                f"{where} field 'function': expected a dotted path coursekit.x.Y (or a list, or null), "
                f"got {raw.get('function')!r}"
            )
        sessions = raw.get("sessions") or []
        if not isinstance(sessions, list) or not all(isinstance(s, str) for s in sessions):
            raise GlossaryError(f"{where} field 'sessions': expected a list of session ids")
        concepts.append(Concept(
            cid, raw["en"].strip(), raw["zh"].strip(), tuple(str(x) for x in synonyms),
            tuple(functions), tuple(sessions),
        ))
    return tuple(concepts)


_HEADING_RE = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
#: A chapter marker: a line of its own right under a heading, ``▶ 12:30`` (or ``▶ 1:02:03``).
MARKER_RE = re.compile(r"^\s*▶\s*(?:(\d{1,2}):)?(\d{1,2}):([0-5]\d)\s*$")
_DEEP_HEADING_RE = re.compile(r"^#{4,6}\s+")
# markdown markup that is not text: images, link targets, HTML tags, math and emphasis marks
_MD_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_TAG_RE = re.compile(r"<[^>\n]{1,200}>")
_TEX_COMMAND_RE = re.compile(r"\\([A-Za-z]+)")
_MD_MARKS_RE = re.compile(r"[*$#>|~^{}]+|\\")


def _plain(markdown: str) -> str:
    """Markdown (with LaTeX) reduced to the words a reader sees: ``**Nernst**`` -> ``Nernst``."""
    text = _MD_IMAGE_RE.sub(r"\1", markdown)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _MD_TAG_RE.sub(" ", text)
    text = _TEX_COMMAND_RE.sub(r"\1", text)
    text = _MD_MARKS_RE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def _read_notebook(path: Path, name: str) -> tuple[list[Heading], list[Passage]]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a readable notebook ({exc})") from None
    headings, passages = [], []
    section = None
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if not isinstance(source, str):
            continue
        in_fence = False
        paragraph: list[str] = []
        under_heading = False  # the last non-blank line was a heading of this cell

        def flush():
            text = _plain(" ".join(paragraph))
            if text:
                passages.append(Passage(name, section, index, text))
            paragraph.clear()

        for line in source.splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
                flush()
                continue
            if in_fence:
                continue
            m = _HEADING_RE.match(line)
            marker = MARKER_RE.match(line) if under_heading else None
            if line.strip():
                under_heading = bool(m)
            if m:
                flush()
                section = m.group(2).strip()
                headings.append(Heading(name, len(m.group(1)), section, index))
            elif marker:
                h_, m_, s_ = marker.groups()
                headings[-1] = replace(headings[-1], chapter_at=3600 * int(h_ or 0) + 60 * int(m_) + int(s_))
            elif not line.strip():
                flush()
            else:
                paragraph.append(_DEEP_HEADING_RE.sub("", line))
        flush()
    return headings, passages


def notebook_headings(path: str | os.PathLike, name: str | None = None) -> list[Heading]:
    """Markdown headings (``#``, ``##``, ``###``) of a notebook, in order.

    Parameters
    ----------
    path : path-like
        The ``.ipynb`` file (read as JSON; no kernel, no nbformat needed).
    name : str, optional
        Name recorded in the headings; default ``lectures/<file name>``.

    Raises
    ------
    ValueError
        If the file is not a notebook.
    """
    path = Path(path)
    return _read_notebook(path, name or f"lectures/{path.name}")[0]


def notebook_passages(path: str | os.PathLike, name: str | None = None) -> list[Passage]:
    """The markdown text of a notebook, paragraph by paragraph, each with the section it is in.

    Code cells, fenced code and headings are left out (headings are
    :func:`notebook_headings`); markdown and LaTeX markup is removed.

    Raises
    ------
    ValueError
        If the file is not a notebook.
    """
    path = Path(path)
    return _read_notebook(path, name or f"lectures/{path.name}")[1]


# ----------------------------------------------------------------------------- does the code exist?


def function_exists(path: str) -> bool:
    """Whether the coursekit object ``path`` (``coursekit.neurons.LIF``) exists now.

    Nothing is imported: a module that is loaded already is inspected without
    triggering its lazy attributes (``import coursekit`` resolves models on first
    use), and a module that is not loaded has its source file located under the
    package and parsed for a top-level definition, import, ``__all__`` entry or
    lazily exported name of the object.
    """
    return _function_exists(path, _PACKAGE_ROOT)


def _module_file(parts, package_root: Path) -> Path | None:
    base = package_root.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=1024)
def _defined_names(source_file: Path, mtime: int) -> frozenset:
    try:
        tree = ast.parse(source_file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return frozenset()
    names = set()
    lazy = any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__" for n in tree.body)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        names.add(n.id)
            is_all = any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)
            # a module with __getattr__ exports the names listed in its top-level tables
            # ({"LIF": "lif", ...}, ("analysis", ...)); an ordinary module exports __all__
            if (is_all or lazy) and node.value is not None:
                for n in ast.walk(node.value):
                    if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.isidentifier():
                        names.add(n.value)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return frozenset(names)


def _source_has(parts, package_root: Path) -> bool | None:
    """From the source files: does the object exist (None: ``parts`` is no module path)."""
    for k in range(len(parts), 0, -1):  # the longest prefix that is a module file
        source = _module_file(parts[:k], package_root)
        if source is not None:
            return k == len(parts) or parts[k] in _defined_names(source, source.stat().st_mtime_ns)
    return None


def _function_exists(path: str, package_root: Path) -> bool:
    parts = path.split(".")
    for k in range(len(parts), 0, -1):  # the longest prefix that is a loaded module
        obj = sys.modules.get(".".join(parts[:k]))
        if obj is not None:
            break
    else:
        return bool(_source_has(parts, package_root))
    for i in range(k, len(parts)):
        attrs = getattr(obj, "__dict__", None)
        if isinstance(attrs, dict) and parts[i] in attrs:
            obj = attrs[parts[i]]
        elif isinstance(obj, types.ModuleType):
            # a submodule not imported yet, or a name the module resolves on first use
            # (a module-level __getattr__): the source says, without importing anything
            return bool(_source_has(parts, package_root))
        elif hasattr(obj, parts[i]):  # e.g. a method a class inherits
            obj = getattr(obj, parts[i])
        else:
            return False
    return True


# ----------------------------------------------------------------------------- the index


def _word_distance(a: str, b: str, bound: int) -> int:
    """Edit distance between whole words (adjacent transpositions count one), ``bound + 1`` once above ``bound``.

    Only the diagonal band of width ``2 * bound + 1`` is computed.
    """
    n, m = len(a), len(b)
    if abs(n - m) > bound:
        return bound + 1
    big = bound + 1
    prev2, prev = None, list(range(m + 1))
    for i in range(1, n + 1):
        cur = [big] * (m + 1)
        cur[0] = i
        lo, hi = max(1, i - bound), min(m, i + bound)
        ai = a[i - 1]
        for j in range(lo, hi + 1):
            bj = b[j - 1]
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai != bj))
            if prev2 is not None and j > 1 and ai == b[j - 2] and a[i - 2] == bj:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur[lo:hi + 1]) > bound:
            return big
        prev2, prev = prev, cur
    return min(prev[m], big)


def _bigram_list(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(len(text) - 1)] if len(text) > 1 else [text]


class _SaidIndex:
    """Postings over the transcripts' sentences: English words and Chinese character bigrams."""

    def __init__(self, said):
        self.said = tuple(said)
        self.norms: list[str] = []
        self.compact: list[str] = []
        self.words: dict[str, list[int]] = {}  # Latin word -> sentences
        self.grams: dict[str, list[int]] = {}  # Chinese bigram -> sentences
        self.word_grams: dict[str, list[str]] = {}  # bigram of a Latin word -> words (typo candidates)
        for i, item in enumerate(self.said):
            norm = _PUNCT_RE.sub(" ", unicodedata.normalize("NFKC", item.text).casefold()).strip()
            self.norms.append(norm)
            self.compact.append(norm.replace(" ", ""))
            grams, words = set(), set()
            for word in norm.split():
                for part in _CJK_SPLIT_RE.split(word):
                    if not part:
                        continue
                    if _is_cjk(part[0]):
                        grams.update(_bigram_list(part))
                    elif any(c.isalnum() for c in part):
                        words.add(part)
            for g in grams:
                self.grams.setdefault(g, []).append(i)
            for w in words:
                ids = self.words.get(w)
                if ids is None:
                    self.words[w] = ids = []
                    for g in set(_bigram_list(w)):
                        self.word_grams.setdefault(g, []).append(w)
                ids.append(i)

    def __len__(self):
        return len(self.said)

    # -- one token -----------------------------------------------------------
    def _latin(self, w: str, typos: bool) -> dict[int, float]:
        """Sentences holding the word ``w``, or (``typos``) a word within a few edits or containing it."""
        out = dict.fromkeys(self.words.get(w, ()), 1.0)
        if len(w) <= 3 or not typos:  # "LIF" is not in "life"
            return out
        bound = _max_edits(w)
        grams = set(_bigram_list(w))
        counts: dict[str, int] = {}
        for g in grams:
            for word in self.word_grams.get(g, ()):
                counts[word] = counts.get(word, 0) + 1
        need = len(grams) - 3 * bound  # an edit breaks at most three bigrams (a transposition)
        for word, n in counts.items():
            if n < need or word == w:
                continue
            if n == len(grams) and w in word:  # "leak" in "leaky"
                sim = 0.9 if word.startswith(w) else 0.85
            elif abs(len(word) - len(w)) <= bound:
                d = _word_distance(w, word, bound)
                sim = 0.9 * (1 - d / len(w)) if d <= bound else 0.0
            else:
                continue
            if sim >= 0.75:
                for i in self.words[word]:
                    if sim > out.get(i, 0.0):
                        out[i] = sim
        return out

    def _chinese(self, t: str, typos: bool) -> dict[int, float]:
        """Sentences that contain the characters ``t`` (or, ``typos``, all but a few of them)."""
        grams = set(_bigram_list(t))
        if len(t) < 2:
            return {}
        counts: dict[int, int] = {}
        for g in grams:
            for i in self.grams.get(g, ()):
                counts[i] = counts.get(i, 0) + 1
        bound = _max_edits(t) if typos else 0
        need = len(grams) - 2 * bound  # one wrong character breaks at most two bigrams
        out = {}
        for i, n in counts.items():
            if n < need:
                continue
            if n == len(grams) and t in self.compact[i]:
                out[i] = 1.0
            elif bound:
                d = _substring_distance(t, self.compact[i], bound)
                if d <= bound:
                    out[i] = 0.9 * (1 - d / len(t))
        return out

    def _token(self, tok: str, typos: bool) -> dict[int, float]:
        return self._chinese(tok, typos) if _is_cjk(tok[0]) else self._latin(tok, typos)

    # -- a query -------------------------------------------------------------
    def match(self, q: str) -> dict[int, tuple[float, bool]]:
        """Sentences matching the normalised query: index -> (quality, exact).

        Every word of the query must occur (a Chinese run as characters), in any
        order, exactly or with a typo; the whole query as a phrase scores best.
        """
        toks = [t for t in _tokens(q) if any(c.isalnum() for c in t)]
        if not toks or len(q.replace(" ", "")) < 2:
            return {}
        per_tok = []
        for t in toks:
            found = self._token(t, typos=True)
            if not found:
                return {}
            per_tok.append((t, found))
        per_tok.sort(key=lambda tf: len(tf[1]))
        ids = set(per_tok[0][1]).intersection(*(f for _, f in per_tok[1:]))
        total = sum(len(t) for t in toks)
        cq = q.replace(" ", "")
        out = {}
        for i in ids:
            sims = [f[i] for _, f in per_tok]
            quality = 0.92 * sum(len(t) * f[i] for t, f in per_tok) / total
            if (f" {q} " in f" {self.norms[i]} ") or (_is_cjk(cq[0]) and cq in self.compact[i]):
                quality = 0.95
            out[i] = (quality, min(sims) >= 0.85)
        return out

    def phrase(self, term: str) -> list[int]:
        """Sentences that contain the normalised ``term`` as a phrase (a glossary name)."""
        toks = [t for t in _tokens(term) if any(c.isalnum() for c in t)]
        if not toks or len(term.replace(" ", "")) < 2:
            return []
        sets = [set(self._token(t, typos=False)) for t in toks]
        ids = set.intersection(*sets) if sets else set()
        ct = term.replace(" ", "")
        padded = f" {term} "
        return sorted(i for i in ids if padded in f" {self.norms[i]} " or (_is_cjk(ct[0]) and ct in self.compact[i]))


@dataclass
class _Entry:
    norm: str
    text: str
    weight: float
    target: tuple  # ("concept", id) | ("session", id) | ("heading", index)


@dataclass
class LookupIndex:
    """Everything lookup searches: built by :func:`build_index`."""

    schedule: Schedule
    concepts: tuple[Concept, ...]
    headings: tuple[Heading, ...]
    notebooks_present: frozenset
    passages: tuple[Passage, ...] = ()
    entries: list[_Entry] = field(default_factory=list)
    _functions: dict = field(default_factory=dict)
    _passage_norms: list = field(default_factory=list)
    _vocabulary: dict = field(default_factory=dict)  # word -> indices of the passages that hold it
    said: _SaidIndex = field(default_factory=lambda: _SaidIndex(()))

    def markers(self, notebook: str) -> list[tuple[int, str]]:
        """(seconds, heading) of the chapter markers of ``notebook``, in time order."""
        return sorted((h.chapter_at, h.text) for h in self.headings
                      if h.notebook == notebook and h.chapter_at is not None)

    def section_at(self, notebook: str | None, seconds: int) -> str | None:
        """The heading whose chapter marker covers ``seconds`` of the recording (None if none does)."""
        found = None
        for at, text in self.markers(notebook) if notebook else ():
            if at <= seconds:
                found = text
        return found

    def concept(self, cid: str) -> Concept:
        for c in self.concepts:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def function_refs(self, concept: Concept) -> tuple[FunctionRef, ...]:
        refs = []
        planned = self.schedule.planned_modules()
        for p in concept.functions:
            if p not in self._functions:
                exists = function_exists(p)
                module = None if exists else self.schedule.planned_module_of(p)
                self._functions[p] = FunctionRef(p, exists, module, planned.get(module, ()))
            refs.append(self._functions[p])
        return tuple(refs)


def build_index(schedule: Schedule | str | os.PathLike | None = None,
                glossary: str | os.PathLike | None = None,
                lectures_dir: str | os.PathLike | None = None,
                recordings_dir: str | os.PathLike | None = None) -> LookupIndex:
    """Build the lookup index from the schedule, the glossary and the notebooks.

    Parameters
    ----------
    schedule : Schedule or path, optional
        Default :func:`coursekit.course.schedule.load_schedule`.
    glossary : path, optional
        Default: the glossary shipped with coursekit.
    lectures_dir : path, optional
        Default: ``lectures/`` next to ``schedule.yaml``.  Every ``*.ipynb`` in it
        is indexed (JupyterLab's ``.ipynb_checkpoints/`` copies are not: they are
        in a subdirectory).
    recordings_dir : path, optional
        The folder that holds ``recordings/`` (transcripts ``<session>.json``);
        default: the folder of ``schedule.yaml``.  A transcript that cannot be
        read, or names a session the schedule does not have, is skipped with a
        warning.

    Raises
    ------
    GlossaryError
        If the glossary names a session id the schedule does not have.
    """
    if not isinstance(schedule, Schedule):
        schedule = load_schedule(schedule)
    concepts = load_glossary(glossary)
    ids = {s.id for s in schedule.sessions}
    for c in concepts:
        for sid in c.sessions:
            if sid not in ids:
                raise GlossaryError(f"glossary concept {c.id!r} field 'sessions': unknown session id {sid!r}")
    if lectures_dir is None:
        lectures_dir = (schedule.root or Path.cwd()) / "lectures"
    lectures_dir = Path(lectures_dir)
    headings, passages, present = [], [], set()
    for nb in sorted(lectures_dir.glob("*.ipynb")) if lectures_dir.is_dir() else []:
        try:
            hs, ps = _read_notebook(nb, f"lectures/{nb.name}")
        except ValueError as exc:  # one broken notebook must not break lookup
            warnings.warn(f"lookup skips {exc}", stacklevel=2)
            continue
        present.add(f"lectures/{nb.name}")
        headings.extend(hs)
        passages.extend(ps)

    said = []
    from .recordings import TRANSCRIPT_DIR, read_transcript

    root = Path(recordings_dir) if recordings_dir is not None else schedule.root
    folder = root / TRANSCRIPT_DIR if root is not None else None
    ids = {s.id for s in schedule.sessions}
    for path in sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []:
        try:
            t = read_transcript(path)
        except (OSError, ValueError) as exc:  # one broken transcript must not break lookup
            warnings.warn(f"lookup skips {exc}", stacklevel=2)
            continue
        if t.session not in ids:
            warnings.warn(f"lookup skips {path.name}: session {t.session!r} is not in the schedule", stacklevel=2)
            continue
        said.extend(Said(t.session, seg.seconds, seg.text) for seg in t.segments)

    index = LookupIndex(schedule, concepts, tuple(headings), frozenset(present), tuple(passages),
                        said=_SaidIndex(said))
    add = index.entries.append
    for c in concepts:
        add(_Entry(_normalize(c.id), c.id, 0.95, ("concept", c.id)))
        add(_Entry(_normalize(c.en), c.en, WEIGHT_CONCEPT, ("concept", c.id)))
        add(_Entry(_normalize(c.zh), c.zh, WEIGHT_CONCEPT, ("concept", c.id)))
        for syn in c.synonyms:
            add(_Entry(_normalize(syn), syn, 0.97, ("concept", c.id)))
    for s in schedule.sessions:
        target = ("session", s.id)
        add(_Entry(_normalize(s.id), s.id, 1.0, target))
        add(_Entry(_normalize(s.title_zh), s.title_zh, 0.95, target))
        add(_Entry(_normalize(s.title_en), s.title_en, 0.95, target))
        if s.teacher:
            add(_Entry(_normalize(s.teacher), s.teacher, 1.0, target))
            for name in re.split(r"[、,，;；]\s*", s.teacher):
                if name and name != s.teacher:
                    add(_Entry(_normalize(name), name, 1.0, target))
        for text in (*s.topics_zh, *s.topics_en, *s.keywords_zh, *s.keywords_en):
            add(_Entry(_normalize(text), text, 0.9, target))
        if s.assignment:
            add(_Entry(_normalize(s.assignment), s.assignment, 0.95, target))
        if s.location:
            add(_Entry(_normalize(s.location), s.location, 0.7, target))
        for ch in s.recording.chapters:
            add(_Entry(_normalize(ch.title), ch.title, 0.9, target))
    for i, h in enumerate(index.headings):
        add(_Entry(_normalize(_plain(h.text)), h.text, WEIGHT_HEADING, ("heading", i)))
    for i, p in enumerate(index.passages):
        norm = _normalize(p.text)
        index._passage_norms.append(norm)
        for word in set(_tokens(norm)):
            index._vocabulary.setdefault(word, []).append(i)
    return index


def _source_key(schedule_path, glossary_path, lectures_dir):
    def stamp(p):
        try:
            return (str(p), Path(p).stat().st_mtime_ns)
        except OSError:
            return (str(p), None)
    root = Path(schedule_path).parent
    nbs = tuple(stamp(p) for p in sorted(Path(lectures_dir).glob("*.ipynb"))) if Path(lectures_dir).is_dir() else ()
    # whether an assignment is released or a planned module written changes what a hit says
    tree = tuple(stamp(root / d) for d in ("assignments", "solutions")) + (stamp(_PACKAGE_ROOT),)
    rec = root / "recordings"
    said = tuple(stamp(p) for p in sorted(rec.glob("*.json"))) if rec.is_dir() else ()
    return (stamp(schedule_path), stamp(glossary_path), str(lectures_dir), nbs, tree, said)


_INDEX_CACHE: dict = {}


def _default_index(schedule, glossary, lectures_dir) -> LookupIndex:
    """Build (or reuse, while no source file changed) the index."""
    if isinstance(schedule, Schedule):
        return build_index(schedule, glossary, lectures_dir)
    from .schedule import default_schedule_path
    sched_path = Path(schedule) if schedule is not None else default_schedule_path()
    gloss_path = Path(glossary) if glossary is not None else default_glossary_path()
    lec = Path(lectures_dir) if lectures_dir is not None else sched_path.parent / "lectures"
    key = _source_key(sched_path, gloss_path, lec)
    if key not in _INDEX_CACHE:
        _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = build_index(sched_path, gloss_path, lec)
    return _INDEX_CACHE[key]


# ----------------------------------------------------------------------------- notebook text


def _match_passages(index: LookupIndex, q: str) -> dict[int, tuple[float, bool]]:
    """Passages that match the normalised query ``q``: index -> (quality, exact).

    Exact: the query occurs as a phrase, or each of its words occurs (in any
    order) without a typo.
    """
    cq = q.replace(" ", "")
    cjk = _has_cjk(cq)
    if len(cq) < 2:
        return {}
    out: dict[int, tuple[float, bool]] = {}
    words = _tokens(q)
    # 1. the query as a phrase; a short Latin query only as a whole word
    if not cjk and len(cq) <= 3:
        for i in index._vocabulary.get(q, ()):
            out[i] = (0.9, True)
    else:
        for i, norm in enumerate(index._passage_norms):
            if q in norm or (cjk and cq in norm.replace(" ", "")):
                out[i] = (0.9, True)
    # 2. every word of the query, exactly or with a typo, anywhere in the paragraph
    if not words or any(len(w) < 2 for w in words):
        return out
    per_word = []
    for w in words:
        found: dict[int, float] = {}
        short = len(w) <= 3 and not _has_cjk(w)  # "LIF" is not in "life"
        for word, ids in index._vocabulary.items():
            sim = float(w == word) if short else _token_similarity(w, word)
            if sim >= 0.75:
                for i in ids:
                    if sim > found.get(i, 0.0):
                        found[i] = sim
        if not found:
            return out
        per_word.append(found)
    total = sum(len(w) for w in words)
    for i in set.intersection(*(set(f) for f in per_word)):
        sc = 0.85 * sum(len(w) * f[i] for w, f in zip(words, per_word)) / total
        if sc > out.get(i, (0.0, False))[0]:
            out[i] = (sc, min(f[i] for f in per_word) >= 0.85)
    return out


def _excerpt(text: str, query: str, width: int = 110) -> str:
    """A piece of ``text`` around the first place the query (or one of its words) occurs."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    pos = -1
    for needle in (_normalize(query), *sorted(_tokens(_normalize(query)), key=len, reverse=True)):
        pos = folded.find(needle)
        if pos >= 0:
            break
    if len(text) <= width:
        return text
    start = max(0, min(pos - width // 3, len(text) - width)) if pos >= 0 else 0
    piece = text[start:start + width].strip()
    return ("…" if start > 0 else "") + piece + ("…" if start + width < len(text) else "")


# ----------------------------------------------------------------------------- lookup


def lookup(query: str, limit: int = 10, *, min_score: float = 0.55,
           schedule: Schedule | str | os.PathLike | None = None,
           glossary: str | os.PathLike | None = None,
           lectures_dir: str | os.PathLike | None = None,
           index: LookupIndex | None = None) -> Hits:
    """Find where a concept, model, teacher or topic is in the course.

    Parameters
    ----------
    query : str
        English or Chinese, partial, typos allowed: ``"泄漏"``, ``"Mg block"``,
        ``"bump"``, ``"izhikevic"``, ``"陈啸宇"``.
    limit : int
        Most hits returned (default 10).
    min_score : float
        Hits scoring below this (in [0, 1]) are dropped.
    schedule, glossary, lectures_dir : optional
        Other sources than the course's own (see :func:`build_index`).
    index : LookupIndex, optional
        A prebuilt index (then the three above are ignored).

    Returns
    -------
    Hits
        A list of :class:`Hit`, best first; empty if nothing matches.  Jupyter
        shows it as a table, ``print`` as text.

    Raises
    ------
    ValueError
        If ``query`` is empty or ``limit`` < 1.
    """
    if not isinstance(query, str) or not _normalize(query):
        raise ValueError(f"lookup: expected a non-empty query, got {query!r}")
    if limit < 1:
        raise ValueError(f"lookup: limit must be >= 1, got {limit}")
    if index is None:
        index = _default_index(schedule, glossary, lectures_dir)
    q = _normalize(query)

    # best score per target: the whole query against each term ...
    best: dict[tuple, tuple[float, str]] = {}
    exact_targets: set[tuple] = set()  # the query's own words occur there, no typo needed
    words = _tokens(q)
    per_word: dict[tuple, list[float]] = {}
    per_word_raw: dict[tuple, list[float]] = {}
    for e in index.entries:
        raw = _similarity(q, e.norm)
        sc = raw * e.weight
        if raw >= 0.99:  # the query *is* this term: above any match that only contains it
            sc = 0.98 + 0.02 * sc
        if sc >= min_score and sc > best.get(e.target, (0.0, ""))[0]:
            best[e.target] = (sc, e.text)
        if sc >= min_score and raw >= _EXACT:
            exact_targets.add(e.target)
        if len(words) > 1:
            row = per_word.setdefault(e.target, [0.0] * len(words))
            row_raw = per_word_raw.setdefault(e.target, [0.0] * len(words))
            for i, w in enumerate(words):
                r = _similarity(w, e.norm)
                row[i] = max(row[i], r * e.weight)
                row_raw[i] = max(row_raw[i], r)
    # ... and, for several words, each word against any term of the target
    # ("Izhikevich bursting", "LIF 模型")
    total = sum(len(w) for w in words)
    for target, row in per_word.items():
        sc = 0.93 * sum(len(w) * r for w, r in zip(words, row)) / total
        if sc >= min_score and sc > best.get(target, (0.0, ""))[0]:
            best[target] = (sc, query)
        if sc >= min_score and min(per_word_raw[target]) >= _EXACT:
            exact_targets.add(target)

    sched = index.schedule
    hits: dict[tuple, Hit] = {}
    exact_hits: set[tuple] = set()

    def session_fields(s: Session, terms) -> dict:
        chapter = _best_chapter(s, terms)
        nb = s.notebook
        return dict(
            session=s, chapter=chapter,
            recording_url=s.recording.url_at(chapter) if chapter else s.recording.url,
            notebook=nb, notebook_exists=nb in index.notebooks_present if nb else False,
            section=_best_section(index, nb, terms) if nb else None,
            assignment=s.assignment, assignment_state=sched.assignment_state(s),
        )

    for target, (score, text) in best.items():
        if target[0] != "concept":
            continue
        c = index.concept(target[1])
        terms = (query, *c.terms())
        funcs = index.function_refs(c)
        if not c.sessions:
            hits[("concept", c.id, None)] = Hit(score, "concept", c.title, text, concept=c.id, functions=funcs)
        for rank, sid in enumerate(c.sessions):
            s = sched.session(sid)
            hits[("concept", c.id, sid)] = Hit(
                score * (1 - 0.02 * rank), "concept", c.title, text, concept=c.id, functions=funcs,
                **session_fields(s, terms),
            )
        if target in exact_targets:
            exact_hits.update(k for k in hits if k[:2] == ("concept", c.id))

    covered = {}
    for h in hits.values():
        if h.session is not None:
            covered[h.session.id] = max(covered.get(h.session.id, 0.0), h.score)

    for target, (score, text) in best.items():
        if target[0] != "session":
            continue
        if covered.get(target[1], 0.0) >= 0.9 * score:
            continue
        s = sched.session(target[1])
        hits[("session", s.id)] = Hit(score, "session", s.title, text, **session_fields(s, (query,)))
        covered[s.id] = max(covered.get(s.id, 0.0), score)
        if target in exact_targets:
            exact_hits.add(("session", s.id))

    def notebook_hit(kind, notebook, section, score, matched, key, exact) -> None:
        # a notebook that a better hit names already only gets its section named
        merged = False
        for k, hit in list(hits.items()):
            if hit.notebook == notebook and hit.score >= score and (k in exact_hits or not exact):
                if hit.section is None:
                    hits[k] = replace(hit, section=section)
                merged = True
        if merged:
            return
        if exact:
            exact_hits.add(key)
        owners = sched.sessions_for_notebook(notebook)
        fields = session_fields(owners[0], (query,)) if owners else dict(
            notebook=notebook, notebook_exists=True)
        fields["section"] = section
        hits[key] = Hit(score, kind, section or notebook, matched, **fields)

    for target, (score, text) in sorted(best.items(), key=lambda kv: -kv[1][0]):
        if target[0] == "heading":
            h = index.headings[target[1]]
            notebook_hit("section", h.notebook, h.text, score, text, ("heading", h.notebook, target[1]),
                         target in exact_targets)

    # notebook text: the best paragraph of each notebook
    per_notebook: dict[str, tuple[float, bool, Passage]] = {}
    for i, (quality, exact) in _match_passages(index, q).items():
        score = quality * WEIGHT_TEXT
        p = index.passages[i]
        if score >= min_score and (score, exact) > per_notebook.get(p.notebook, (0.0, False))[:2]:
            per_notebook[p.notebook] = (score, exact, p)
    for notebook, (score, exact, p) in sorted(per_notebook.items(), key=lambda kv: -kv[1][0]):
        notebook_hit("text", notebook, p.section, score, _excerpt(p.text, query), ("text", notebook), exact)

    # what was said: each hit of a session takes the best sentence of its recording (within its
    # section's marked part first, and said in this concept's words first); a session that only
    # its recording mentions becomes a hit of its own
    by_session: dict[str, list] = {}
    for i, (score, exact, via) in _said_matches(index, q, best, exact_targets, min_score).items():
        by_session.setdefault(index.said.said[i].session, []).append((score, exact, via, i))
    attached = set()
    for key, hit in list(hits.items()):
        s = hit.session
        if s is None or s.id not in by_session:
            continue

        def rank(cand, hit=hit):
            score, exact, via, i = cand
            t = index.said.said[i].seconds
            in_section = hit.section is not None and index.section_at(hit.notebook, t) == hit.section
            return (in_section, via is None or via == hit.concept, score, -t)

        score, exact, via, i = max(by_session[s.id], key=rank)
        item = index.said.said[i]
        hits[key] = replace(
            hit, score=max(hit.score, score), said=item.text, said_at=item.seconds,
            chapter=s.recording.chapter_at(item.seconds) or hit.chapter,
            recording_url=s.recording.url_at(item.seconds),
            section=hit.section or index.section_at(hit.notebook, item.seconds))
        attached.add(s.id)
        if exact:
            exact_hits.add(key)
    for sid, cands in by_session.items():
        if sid in attached:
            continue
        score, exact, via, i = max(cands, key=lambda c: (c[0], -index.said.said[c[3]].seconds))
        item, s = index.said.said[i], sched.session(sid)
        fields = session_fields(s, (query,))
        fields.update(chapter=s.recording.chapter_at(item.seconds), recording_url=s.recording.url_at(item.seconds),
                      section=index.section_at(s.notebook, item.seconds) or fields["section"])
        hits[("subtitle", sid)] = Hit(score, "subtitle", s.title, item.text, said=item.text, said_at=item.seconds,
                                      **fields)
        if exact:
            exact_hits.add(("subtitle", sid))

    # Where the query's own words occur, matches that need a typo are noise ("capacitor" is not
    # "capacity"); otherwise weak near-misses are noise next to a strong hit ("bump" vs "numpy").
    top = max((h.score for h in hits.values()), default=0.0)
    keep = exact_hits if exact_hits else {k for k, h in hits.items() if h.score >= 0.75 * top}
    ranked = sorted(
        (h for key, h in hits.items() if key in keep),
        key=lambda h: (-round(h.score, 6), h.session.start_at.timestamp() if h.session else float("inf"), h.title),
    )
    return Hits(ranked[:limit])


def _said_matches(index: LookupIndex, q: str, best, exact_targets, min_score) -> dict:
    """Sentences of the transcripts that match: index -> (score, exact, concept id or None).

    The query's own words, and -- for the (at most three) glossary concepts the
    query matched best -- any of the concept's names in either language, as a
    phrase: that is how ``leak`` finds 泄漏整合发放模型 in a Chinese lecture.
    """
    out: dict[int, tuple[float, bool, str | None]] = {}
    if not len(index.said):
        return out
    for i, (quality, exact) in index.said.match(q).items():
        out[i] = (quality * WEIGHT_SUBTITLE, exact, None)
    concepts = sorted(((sc, t[1]) for t, (sc, _) in best.items() if t[0] == "concept" and sc >= 0.75),
                      reverse=True)[:3]
    for sc, cid in concepts:
        c = index.concept(cid)
        exact = ("concept", cid) in exact_targets
        score = 0.92 * min(sc, 1.0) * WEIGHT_SUBTITLE  # a name of the concept said as a phrase
        for term in c.terms():
            for i in index.said.phrase(_normalize(term)):
                if score > out.get(i, (0.0,))[0]:
                    out[i] = (score, exact, cid)
    return {i: v for i, v in out.items() if v[0] >= min_score}


def _best_of(candidates, terms, threshold):
    best, best_score = None, threshold
    for cand, text in candidates:
        for t in terms:
            sc = similarity(t, text)
            if sc > best_score:
                best, best_score = cand, sc
    return best


def _best_section(index: LookupIndex, notebook: str, terms) -> str | None:
    """The section of ``notebook`` that the query (else the concept's names) is about.

    A heading that matches comes first; failing that, the section whose
    paragraphs contain the query most often (the first such section on a tie),
    where a generic section (learning goals, exercises, references) counts only
    if no other section mentions the query.
    """
    cands = [(h.text, _plain(h.text)) for h in index.headings if h.notebook == notebook]
    if not cands:
        return None
    found = _best_of(cands, terms[:1], 0.6) or _best_of(cands, terms[1:], 0.75)
    if found:
        return found
    nt = _normalize(terms[0])
    if len(nt.replace(" ", "")) < (2 if _has_cjk(nt) else 4):
        return None
    counts: dict[str, int] = {}
    for p, norm in zip(index.passages, index._passage_norms):
        if p.notebook == notebook and p.section and nt in norm:
            counts[p.section] = counts.get(p.section, 0) + norm.count(nt)
    specific = {k: v for k, v in counts.items() if not _GENERIC_SECTION_RE.search(_plain(k))}
    counts = specific or counts
    return max(counts, key=counts.get) if counts else None


_GENERIC_SECTION_RE = re.compile(
    r"^(learning (goals|objectives)|exercises?|references|further reading|more to try|summary|"
    r"学习目标|练习|参考文献|小结)\b", re.IGNORECASE)


def _best_chapter(s: Session, terms) -> Chapter | None:
    cands = [(ch, ch.title) for ch in s.recording.chapters]
    if not cands:
        return None
    return _best_of(cands, terms[:1], 0.6) or _best_of(cands, terms[1:], 0.75)
