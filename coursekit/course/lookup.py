"""Concept lookup: where in the course is X taught, and which coursekit function does it?

``lookup("泄漏")``, ``lookup("Mg block")``, ``lookup("bump")``, ``lookup("Hodgkin-Huxly")``
return ranked :class:`Hit` objects: the session (date, time, teacher), the
recording and chapter timestamp if known, the lecture notebook and section
heading, the assignment, and the coursekit function (and whether it exists yet).

The index is built from three sources and copies none of them:

* ``schedule.yaml`` -- sessions, teachers, topics, keywords, notebooks, assignments,
  recordings (:mod:`coursekit.course.schedule`);
* the markdown headings (``#``, ``##``, ``###``) of the lecture notebooks that exist
  (``lectures/*.ipynb``);
* ``glossary.yaml`` (shipped with this package) -- concepts with English/Chinese
  names, synonyms, the coursekit function and the session ids.

Matching is typo tolerant and works for English and Chinese alike without extra
dependencies: exact and substring matches, a bounded edit distance against the
best-matching substring (``"Hodgkin-Huxly"``, ``"izhikevic"``), word-by-word matching
for multi-word queries, and character n-gram overlap (bigrams for Chinese,
trigrams for Latin text).

Importing this module is cheap: PyYAML and the standard library only.
"""
from __future__ import annotations

import ast
import html
import importlib.resources
import json
import os
import re
import sys
import unicodedata
import warnings
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

from .schedule import Chapter, Schedule, Session, load_schedule

__all__ = [
    "Concept",
    "FunctionRef",
    "GlossaryError",
    "Heading",
    "Hit",
    "Hits",
    "LookupIndex",
    "build_index",
    "function_exists",
    "load_glossary",
    "lookup",
    "notebook_headings",
    "similarity",
]

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # .../coursekit
_DOTTED_RE = re.compile(r"^coursekit(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_CONCEPT_KEYS = {"id", "en", "zh", "synonyms", "function", "sessions"}


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


@dataclass(frozen=True)
class FunctionRef:
    """A coursekit object named by the glossary, and whether it exists now."""

    path: str
    exists: bool

    def __str__(self) -> str:
        return f"{self.path} ({'available' if self.exists else 'not written yet'})"


@dataclass(frozen=True)
class Hit:
    """One ranked lookup result.

    Attributes
    ----------
    score : float
        Match quality in [0, 1]; hits are sorted by it.
    kind : str
        ``"concept"`` (a glossary entry), ``"session"`` (a session of the
        timetable) or ``"section"`` (a notebook heading).
    title : str
        What was found: the concept's names, the session title or the heading.
    matched : str
        The text the query matched.
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
        Matching heading of that notebook.
    assignment : str or None
        Assignment id.
    functions : tuple of FunctionRef
        coursekit objects for the concept.
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
    functions: tuple[FunctionRef, ...] = ()

    # -- display ---------------------------------------------------------------
    def lines(self) -> list[tuple[str, str]]:
        """(label, text) rows shared by ``__str__`` and ``_repr_html_``."""
        rows = []
        s = self.session
        if s is not None:
            who = f" — {s.teacher}" if s.teacher else ""
            rows.append(("session", f"{s.id}  {s.when()} (Beijing)  {s.title_zh} / {s.title_en}{who}"))
            if self.recording_url or self.chapter:
                at = f"  at {self.chapter.time} {self.chapter.title}" if self.chapter else ""
                rows.append(("recording", f"{self.recording_url or '(no URL yet)'}{at}"))
            elif s.kind not in ("logistics", "visit"):
                rows.append(("recording", "not available yet"))
        if self.notebook:
            state = "" if self.notebook_exists else " (not written yet)"
            sec = f"  § {self.section}" if self.section else ""
            rows.append(("notebook", f"{self.notebook}{state}{sec}"))
        if self.assignment:
            rows.append(("assignment", self.assignment))
        for f in self.functions:
            rows.append(("function", str(f)))
        return rows

    def __str__(self) -> str:
        head = f"[{self.score:.2f}] {self.title}"
        if self.matched and _normalize(self.matched) not in _normalize(self.title):
            head += f"   (matched {self.matched!r})"
        body = [f"    {label:<10} {text}" for label, text in self.lines()]
        return "\n".join([head, *body])

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
            "timestamp": self.chapter.time if self.chapter else None,
            "chapter": self.chapter.title if self.chapter else None,
            "notebook": self.notebook,
            "notebook_exists": self.notebook_exists,
            "section": self.section,
            "assignment": self.assignment,
            "functions": [{"path": f.path, "exists": f.exists} for f in self.functions],
        }


class Hits(list):
    """A list of :class:`Hit` that prints readably and renders as a table in Jupyter."""

    def __str__(self) -> str:
        if not self:
            return "no matches"
        return "\n\n".join(str(h) for h in self)

    def _repr_html_(self) -> str:
        return _hits_html(self)


def _hits_html(hits) -> str:
    if not hits:
        return "<p><i>no matches</i></p>"
    out = ["<table>", "<tr><th>score</th><th>found</th><th>where</th></tr>"]
    for h in hits:
        where = "<br>".join(
            f"<b>{html.escape(label)}</b> {html.escape(text)}" for label, text in h.lines()
        )
        out.append(
            f"<tr><td>{h.score:.2f}</td><td>{html.escape(h.title)}</td>"
            f"<td style='text-align:left'>{where}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


# ----------------------------------------------------------------------------- text matching


_PUNCT_RE = re.compile(r"[\s\-‐‑‒–—_/·・、，,.;；:：()（）\[\]【】{}「」『』《》<>\"'`’‘“”!！?？|]+")
_CJK_SPLIT_RE = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)")


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


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
    n = 2 if any(_is_cjk(c) for c in compact) else 3
    if len(compact) < n:
        return frozenset([compact]) if compact else frozenset()
    return frozenset(compact[i:i + n] for i in range(len(compact) - n + 1))


def _max_edits(q: str) -> int:
    """Typos allowed for a query of this length (Chinese characters carry more)."""
    n = len(q)
    if any(_is_cjk(c) for c in q):
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

    One edit destroys at most three of the query's character bigrams.
    """
    bq = _bigrams(q)
    return len(bq & _bigrams(t)) >= len(bq) - 3 * bound


def _word_start(q: str, t: str) -> bool:
    return re.search(r"(?:^|\s)" + re.escape(q), t) is not None


def _token_similarity(qt: str, tt: str) -> float:
    if qt == tt:
        return 1.0
    cjk = any(_is_cjk(c) for c in qt)
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
    cjk = any(_is_cjk(c) for c in cq)
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
    name = name or f"lectures/{path.name}"
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a readable notebook ({exc})") from None
    out = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        in_fence = False
        for line in source.splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
                continue
            m = None if in_fence else _HEADING_RE.match(line)
            if m:
                out.append(Heading(name, len(m.group(1)), m.group(2).strip(), index))
    return out


def function_exists(path: str) -> bool:
    """Whether the coursekit object ``path`` (``coursekit.neurons.LIF``) exists now.

    Heavy modules are not imported: if the module is not loaded yet, its source
    file is located under the package and parsed for a top-level definition,
    import or ``__all__`` entry of the name.
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
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        names.add(n.id)
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                for n in ast.walk(node.value):
                    if isinstance(n, ast.Constant) and isinstance(n.value, str):
                        names.add(n.value)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return frozenset(names)


def _function_exists(path: str, package_root: Path) -> bool:
    parts = path.split(".")
    for k in range(len(parts), 0, -1):  # the longest prefix that is a module
        mod = sys.modules.get(".".join(parts[:k]))
        if mod is not None:
            obj = mod
            for attr in parts[k:]:
                if not hasattr(obj, attr):
                    return False
                obj = getattr(obj, attr)
            return True
        source = _module_file(parts[:k], package_root)
        if source is not None:
            return k == len(parts) or parts[k] in _defined_names(source, source.stat().st_mtime_ns)
    return False


# ----------------------------------------------------------------------------- the index


@dataclass
class _Entry:
    norm: str
    text: str
    weight: float
    target: tuple  # ("concept", id) | ("session", id) | ("heading", notebook, index)


@dataclass
class LookupIndex:
    """Everything lookup searches: built by :func:`build_index`."""

    schedule: Schedule
    concepts: tuple[Concept, ...]
    headings: tuple[Heading, ...]
    notebooks_present: frozenset
    entries: list[_Entry] = field(default_factory=list)
    _functions: dict = field(default_factory=dict)

    def concept(self, cid: str) -> Concept:
        for c in self.concepts:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def function_refs(self, concept: Concept) -> tuple[FunctionRef, ...]:
        refs = []
        for p in concept.functions:
            if p not in self._functions:
                self._functions[p] = function_exists(p)
            refs.append(FunctionRef(p, self._functions[p]))
        return tuple(refs)


def build_index(schedule: Schedule | str | os.PathLike | None = None,
                glossary: str | os.PathLike | None = None,
                lectures_dir: str | os.PathLike | None = None) -> LookupIndex:
    """Build the lookup index from the schedule, the glossary and the notebooks.

    Parameters
    ----------
    schedule : Schedule or path, optional
        Default :func:`coursekit.course.schedule.load_schedule`.
    glossary : path, optional
        Default: the glossary shipped with coursekit.
    lectures_dir : path, optional
        Default: ``lectures/`` next to ``schedule.yaml``.

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
    headings, present = [], set()
    for nb in sorted(lectures_dir.glob("*.ipynb")) if lectures_dir.is_dir() else []:
        present.add(f"lectures/{nb.name}")
        try:
            headings.extend(notebook_headings(nb))
        except ValueError as exc:  # one broken notebook must not break lookup
            warnings.warn(f"lookup skips {exc}", stacklevel=2)

    index = LookupIndex(schedule, concepts, tuple(headings), frozenset(present))
    add = index.entries.append
    for c in concepts:
        add(_Entry(_normalize(c.id), c.id, 0.95, ("concept", c.id)))
        add(_Entry(_normalize(c.en), c.en, 1.0, ("concept", c.id)))
        add(_Entry(_normalize(c.zh), c.zh, 1.0, ("concept", c.id)))
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
        add(_Entry(_normalize(h.text), h.text, 0.9, ("heading", h.notebook, i)))
    return index


def _source_key(schedule_path, glossary_path, lectures_dir):
    def stamp(p):
        try:
            return (str(p), Path(p).stat().st_mtime_ns)
        except OSError:
            return (str(p), None)
    nbs = tuple(stamp(p) for p in sorted(Path(lectures_dir).glob("*.ipynb"))) if Path(lectures_dir).is_dir() else ()
    return (stamp(schedule_path), stamp(glossary_path), str(lectures_dir), nbs)


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
        A list of :class:`Hit`, best first; empty if nothing matches.

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
    words = _tokens(q)
    per_word: dict[tuple, list[float]] = {}
    for e in index.entries:
        sc = _similarity(q, e.norm) * e.weight
        if sc >= min_score and sc > best.get(e.target, (0.0, ""))[0]:
            best[e.target] = (sc, e.text)
        if len(words) > 1:
            row = per_word.setdefault(e.target, [0.0] * len(words))
            for i, w in enumerate(words):
                row[i] = max(row[i], _similarity(w, e.norm) * e.weight)
    # ... and, for several words, each word against any term of the target
    # ("Izhikevich bursting", "LIF 模型")
    total = sum(len(w) for w in words)
    for target, row in per_word.items():
        sc = 0.93 * sum(len(w) * r for w, r in zip(words, row)) / total
        if sc >= min_score and sc > best.get(target, (0.0, ""))[0]:
            best[target] = (sc, query)

    sched = index.schedule
    hits: dict[tuple, Hit] = {}

    def session_fields(s: Session, terms) -> dict:
        chapter = _best_chapter(s, terms)
        nb = s.notebook
        return dict(
            session=s, chapter=chapter,
            recording_url=s.recording.url_at(chapter) if chapter else s.recording.url,
            notebook=nb, notebook_exists=nb in index.notebooks_present if nb else False,
            section=_best_section(index, nb, terms) if nb else None,
            assignment=s.assignment,
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

    for target, (score, text) in best.items():
        if target[0] != "heading":
            continue
        h = index.headings[target[2]]
        owners = sched.sessions_for_notebook(h.notebook)
        # a heading of a notebook already in the results only names its section
        merged = False
        for key, hit in list(hits.items()):
            if hit.notebook == h.notebook:
                if hit.section is None:
                    hits[key] = replace(hit, section=h.text)
                merged = True
        if merged:
            continue
        fields = session_fields(owners[0], (query,)) if owners else dict(
            notebook=h.notebook, notebook_exists=True)
        fields["section"] = h.text
        hits[("heading", h.notebook, target[2])] = Hit(score, "section", h.text, text, **fields)

    # weak near-misses are noise next to a strong hit ("bump" vs "numpy")
    top = max((h.score for h in hits.values()), default=0.0)
    ranked = sorted(
        (h for h in hits.values() if h.score >= 0.75 * top),
        key=lambda h: (-round(h.score, 6), h.session.start_at.timestamp() if h.session else float("inf"), h.title),
    )
    return Hits(ranked[:limit])


def _best_of(candidates, terms, threshold):
    best, best_score = None, threshold
    for cand, text in candidates:
        for t in terms:
            sc = similarity(t, text)
            if sc > best_score:
                best, best_score = cand, sc
    return best


def _best_section(index: LookupIndex, notebook: str, terms) -> str | None:
    cands = [(h.text, h.text) for h in index.headings if h.notebook == notebook]
    if not cands:
        return None
    # the query first; failing that, the concept's names
    return _best_of(cands, terms[:1], 0.6) or _best_of(cands, terms[1:], 0.75)


def _best_chapter(s: Session, terms) -> Chapter | None:
    cands = [(ch, ch.title) for ch in s.recording.chapters]
    if not cands:
        return None
    return _best_of(cands, terms[:1], 0.6) or _best_of(cands, terms[1:], 0.75)
