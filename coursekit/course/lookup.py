"""Concept lookup: where in the course is X taught, and which coursekit function does it?

``lookup("泄漏")``, ``lookup("Mg block")``, ``lookup("bump")``, ``lookup("Hodgkin-Huxly")``
return ranked :class:`Hit` objects: the session (date, time, teacher), the
recording and chapter timestamp if known, the lecture notebook and section, the
assignment (and whether it is released), and the coursekit code (and whether it
exists, or which session's planned module will hold it).  In Jupyter the result
renders as a table; ``print`` gives the same as text; ``as_dict`` gives JSON.

This module holds :func:`lookup`, its results (:class:`Hit`, :class:`Hits`) and
the index it searches (:class:`LookupIndex`, :func:`build_index`).  The index is
built from four sources and copies none of them; each source, and the text
matching, lives in a module of its own:

* ``schedule.yaml`` -- sessions, teachers, topics, keywords, notebooks, assignments,
  recordings, and the modules marked ``planned_code`` (not written yet)
  (:mod:`coursekit.course.schedule`);
* the lecture notebooks that exist (``lectures/*.ipynb``): their markdown headings
  (``#`` to ``###``) and their markdown text, each paragraph tagged with the
  section it is in (:mod:`coursekit.course.notebook_index`);
* ``glossary.yaml`` (shipped with this package) -- concepts with English/Chinese
  names, synonyms, the coursekit code and the session ids
  (:mod:`coursekit.course.glossary`; whether that code exists:
  :mod:`coursekit.course.code_refs`);
* the transcripts of the recordings (``recordings/<session>.json`` beside the
  schedule, written by ``coursekit recordings add``): what was said, sentence by
  sentence, with the second it starts at (:mod:`coursekit.course.subtitles`).

Matching works for English and Chinese alike, without a word segmenter
(:mod:`coursekit.course.matching`): exact and substring matches after case
folding, NFKC and punctuation removal; typos within a bounded edit distance;
multi-word queries word by word, in any order; character n-gram overlap.  How a
hit reads (text, HTML table) is :mod:`coursekit.course.hit_display`.

What was said: a sentence that matches the query, or a glossary name of a
concept the query matched (so ``leak`` finds 泄漏整合发放模型 and 漏电流 in a
Chinese lecture), gives the hit of its session the minute, the sentence and a
link that opens the video there.  A heading followed by a chapter marker line
``▶ 12:30`` owns the recording from that time to the next marker, so a
notebook section and the minute of the recording that explain the same concept
come back as one hit; a sentence in a session no other hit names is a hit of
its own (kind ``"subtitle"``).

Ranking: a glossary concept or a session outranks a notebook heading, which
outranks a paragraph of notebook text that says the same.  A paragraph found in
a notebook that a better hit already names only fills in that hit's section.

Importing this module is cheap: PyYAML and the standard library only, and
checking whether a function exists never imports the module that defines it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

# The names below that this module does not use itself are re-exported: they lived here before the
# split, and code imports them from here (tests/test_lookup_imports.py checks every such import).
from .code_refs import AVAILABLE, MISSING, PLANNED, PACKAGE_ROOT, FunctionRef, function_exists  # noqa: F401
from .code_refs import _function_exists  # noqa: F401
from .glossary import (  # noqa: F401
    Concept,
    GlossaryError,
    check_sessions,
    default_glossary_path,
    load_glossary,
)
from .hit_display import clock, hit_lines, hit_text, hits_html
from .matching import best_match, normalize, normalized_similarity, similarity, tokens  # noqa: F401
from .matching import normalize as _normalize  # noqa: F401
from .notebook_index import (  # noqa: F401
    MARKER_RE,
    Heading,
    Passage,
    best_section,
    excerpt,
    match_passages,
    notebook_headings,
    notebook_passages,
    passage_vocabulary,
    plain,
    read_lectures,
)
from .notebook_index import plain as _plain  # noqa: F401
from .schedule import Chapter, Schedule, Session, default_schedule_path, load_schedule
from .subtitles import Said, SaidIndex, read_said

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

#: A match this good (see :func:`similarity`) needs no typo: the query's own words occur.
_EXACT = 0.9

#: Weight of each source in the ranking (multiplies the match quality).
WEIGHT_CONCEPT = 1.0
WEIGHT_HEADING = 0.9
WEIGHT_TEXT = 0.8
WEIGHT_SUBTITLE = 0.8


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Hit:
    """One ranked lookup result.

    Attributes
    ----------
    score : float
        Match quality in [0, 1]; hits are sorted by it.
    kind : str
        ``"concept"`` (a glossary entry), ``"session"`` (a session of the
        timetable), ``"section"`` (a notebook heading), ``"text"`` (a paragraph
        of a notebook) or ``"subtitle"`` (a sentence of a recording, in a
        session no other hit names).
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
            return clock(self.said_at)
        return clock(self.chapter.seconds) if self.chapter else None

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) rows: what ``str(hit)`` prints under its head line."""
        return hit_lines(self)

    def __str__(self) -> str:
        return hit_text(self)

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's plain-text display
        p.text(str(self))

    def _repr_html_(self) -> str:
        return hits_html([self])

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
                "seconds": self.said_at, "time": clock(self.said_at), "sentence": self.said,
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
        return hits_html(self)

    def as_dicts(self) -> list[dict]:
        """Plain data (what ``coursekit lookup --json`` prints)."""
        return [h.as_dict() for h in self]


# ----------------------------------------------------------------------------- the index


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
    said: SaidIndex = field(default_factory=lambda: SaidIndex(()))

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

    def best_section(self, notebook: str, terms) -> str | None:
        """The section of ``notebook`` that ``terms`` (the query, then a concept's names) are about."""
        return best_section(self.headings, self.passages, self._passage_norms, notebook, terms)

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
    check_sessions(concepts, {s.id for s in schedule.sessions})
    if lectures_dir is None:
        lectures_dir = (schedule.root or Path.cwd()) / "lectures"
    headings, passages, present = read_lectures(Path(lectures_dir))
    said = read_said(schedule, recordings_dir)

    index = LookupIndex(schedule, concepts, tuple(headings), frozenset(present), tuple(passages),
                        said=SaidIndex(said))
    add = index.entries.append
    for c in concepts:
        add(_Entry(normalize(c.id), c.id, 0.95, ("concept", c.id)))
        add(_Entry(normalize(c.en), c.en, WEIGHT_CONCEPT, ("concept", c.id)))
        add(_Entry(normalize(c.zh), c.zh, WEIGHT_CONCEPT, ("concept", c.id)))
        for syn in c.synonyms:
            add(_Entry(normalize(syn), syn, 0.97, ("concept", c.id)))
    for s in schedule.sessions:
        target = ("session", s.id)
        add(_Entry(normalize(s.id), s.id, 1.0, target))
        add(_Entry(normalize(s.title_zh), s.title_zh, 0.95, target))
        add(_Entry(normalize(s.title_en), s.title_en, 0.95, target))
        if s.teacher:
            add(_Entry(normalize(s.teacher), s.teacher, 1.0, target))
            for name in re.split(r"[、,，;；]\s*", s.teacher):
                if name and name != s.teacher:
                    add(_Entry(normalize(name), name, 1.0, target))
        for text in (*s.topics_zh, *s.topics_en, *s.keywords_zh, *s.keywords_en):
            add(_Entry(normalize(text), text, 0.9, target))
        if s.assignment:
            add(_Entry(normalize(s.assignment), s.assignment, 0.95, target))
        if s.location:
            add(_Entry(normalize(s.location), s.location, 0.7, target))
        for ch in s.recording.chapters:
            add(_Entry(normalize(ch.title), ch.title, 0.9, target))
    for i, h in enumerate(index.headings):
        add(_Entry(normalize(plain(h.text)), h.text, WEIGHT_HEADING, ("heading", i)))
    index._passage_norms, index._vocabulary = passage_vocabulary(index.passages)
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
    tree = tuple(stamp(root / d) for d in ("assignments", "solutions")) + (stamp(PACKAGE_ROOT),)
    rec = root / "recordings"
    said = tuple(stamp(p) for p in sorted(rec.glob("*.json"))) if rec.is_dir() else ()
    return (stamp(schedule_path), stamp(glossary_path), str(lectures_dir), nbs, tree, said)


_INDEX_CACHE: dict = {}


def _default_index(schedule, glossary, lectures_dir) -> LookupIndex:
    """Build (or reuse, while no source file changed) the index."""
    if isinstance(schedule, Schedule):
        return build_index(schedule, glossary, lectures_dir)
    sched_path = Path(schedule) if schedule is not None else default_schedule_path()
    gloss_path = Path(glossary) if glossary is not None else default_glossary_path()
    lec = Path(lectures_dir) if lectures_dir is not None else sched_path.parent / "lectures"
    key = _source_key(sched_path, gloss_path, lec)
    if key not in _INDEX_CACHE:
        _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = build_index(sched_path, gloss_path, lec)
    return _INDEX_CACHE[key]


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
    if not isinstance(query, str) or not normalize(query):
        raise ValueError(f"lookup: expected a non-empty query, got {query!r}")
    if limit < 1:
        raise ValueError(f"lookup: limit must be >= 1, got {limit}")
    if index is None:
        index = _default_index(schedule, glossary, lectures_dir)
    q = normalize(query)

    # best score per target: the whole query against each term ...
    best: dict[tuple, tuple[float, str]] = {}
    exact_targets: set[tuple] = set()  # the query's own words occur there, no typo needed
    words = tokens(q)
    per_word: dict[tuple, list[float]] = {}
    per_word_raw: dict[tuple, list[float]] = {}
    for e in index.entries:
        raw = normalized_similarity(q, e.norm)
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
                r = normalized_similarity(w, e.norm)
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
            section=index.best_section(nb, terms) if nb else None,
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
    for i, (quality, exact) in match_passages(index._passage_norms, index._vocabulary, q).items():
        score = quality * WEIGHT_TEXT
        p = index.passages[i]
        if score >= min_score and (score, exact) > per_notebook.get(p.notebook, (0.0, False))[:2]:
            per_notebook[p.notebook] = (score, exact, p)
    for notebook, (score, exact, p) in sorted(per_notebook.items(), key=lambda kv: -kv[1][0]):
        notebook_hit("text", notebook, p.section, score, excerpt(p.text, query), ("text", notebook), exact)

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
            for i in index.said.phrase(normalize(term)):
                if score > out.get(i, (0.0,))[0]:
                    out[i] = (score, exact, cid)
    return {i: v for i, v in out.items() if v[0] >= min_score}


def _best_chapter(s: Session, terms) -> Chapter | None:
    """The chapter of ``s``'s recording whose title the query (else a concept's names) matches, or None."""
    cands = [(ch, ch.title) for ch in s.recording.chapters]
    if not cands:
        return None
    return best_match(cands, terms[:1], 0.6) or best_match(cands, terms[1:], 0.75)
