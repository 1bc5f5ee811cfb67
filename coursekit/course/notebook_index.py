"""The lecture notebooks as lookup sees them: headings, chapter markers and paragraphs of text.

A notebook is read as JSON (no kernel, no nbformat).  Its markdown headings
(``#`` to ``###``) become :class:`Heading` records; a line ``▶ 12:30`` right
under a heading is a chapter marker: that section owns the session's recording
from that time to the next marker.  Its markdown text becomes :class:`Passage`
records, paragraph by paragraph, each tagged with the section it is in
(markup, LaTeX commands, code cells and fenced code left out).

In notebook text a Chinese query needs at least two characters and a Latin
query of three letters or fewer must be a whole word (:func:`match_passages`),
so that ``钳`` or ``LIF`` do not match every paragraph that contains the letters.

Standard library only.
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from .matching import best_match, has_cjk, normalize, token_similarity, tokens

__all__ = [
    "MARKER_RE",
    "Heading",
    "Passage",
    "best_section",
    "excerpt",
    "match_passages",
    "notebook_headings",
    "notebook_passages",
    "passage_vocabulary",
    "plain",
    "read_lectures",
    "read_notebook",
]


@dataclass(frozen=True)
class Heading:
    """A markdown heading of a lecture notebook."""

    notebook: str  # "lectures/NN_slug.ipynb"
    level: int
    text: str
    cell: int  # index of the markdown cell
    chapter_at: int | None = None  # seconds: the "▶ 12:30" marker line under the heading


@dataclass(frozen=True)
class Passage:
    """A paragraph of markdown text of a lecture notebook, and the section it is in."""

    notebook: str  # "lectures/NN_slug.ipynb"
    section: str | None  # the heading above it (None before the first heading)
    cell: int
    text: str  # markdown markup removed


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


def plain(markdown: str) -> str:
    """Markdown (with LaTeX) reduced to the words a reader sees: ``**Nernst**`` -> ``Nernst``."""
    text = _MD_IMAGE_RE.sub(r"\1", markdown)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _MD_TAG_RE.sub(" ", text)
    text = _TEX_COMMAND_RE.sub(r"\1", text)
    text = _MD_MARKS_RE.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def read_notebook(path: Path, name: str) -> tuple[list[Heading], list[Passage]]:
    """The headings and the paragraphs of the notebook ``path``, recorded under ``name``.

    Raises
    ------
    ValueError
        If the file is not a readable notebook.
    """
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
            text = plain(" ".join(paragraph))
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
    return read_notebook(path, name or f"lectures/{path.name}")[0]


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
    return read_notebook(path, name or f"lectures/{path.name}")[1]


def read_lectures(lectures_dir: Path) -> tuple[list[Heading], list[Passage], set[str]]:
    """Headings, paragraphs and names (``lectures/<file>``) of every ``*.ipynb`` in ``lectures_dir``.

    JupyterLab's ``.ipynb_checkpoints/`` copies are not read (they are in a
    subdirectory); a notebook that cannot be read is skipped with a warning
    (one broken notebook must not break lookup), attributed to the caller of
    the caller (:func:`coursekit.course.lookup.build_index`'s).
    """
    headings, passages, present = [], [], set()
    for nb in sorted(lectures_dir.glob("*.ipynb")) if lectures_dir.is_dir() else []:
        try:
            hs, ps = read_notebook(nb, f"lectures/{nb.name}")
        except ValueError as exc:
            warnings.warn(f"lookup skips {exc}", stacklevel=3)
            continue
        present.add(f"lectures/{nb.name}")
        headings.extend(hs)
        passages.extend(ps)
    return headings, passages, present


def passage_vocabulary(passages) -> tuple[list[str], dict[str, list[int]]]:
    """Each passage's normalised text, and each word's postings: the passages (indices) that hold it."""
    norms: list[str] = []
    vocabulary: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        norm = normalize(p.text)
        norms.append(norm)
        for word in set(tokens(norm)):
            vocabulary.setdefault(word, []).append(i)
    return norms, vocabulary


def match_passages(norms, vocabulary, q: str) -> dict[int, tuple[float, bool]]:
    """Passages that match the normalised query ``q``: index -> (quality, exact).

    ``norms`` and ``vocabulary`` are :func:`passage_vocabulary`'s.  Exact: the
    query occurs as a phrase, or each of its words occurs (in any order) without
    a typo.
    """
    cq = q.replace(" ", "")
    cjk = has_cjk(cq)
    if len(cq) < 2:
        return {}
    out: dict[int, tuple[float, bool]] = {}
    words = tokens(q)
    # 1. the query as a phrase; a short Latin query only as a whole word
    if not cjk and len(cq) <= 3:
        for i in vocabulary.get(q, ()):
            out[i] = (0.9, True)
    else:
        for i, norm in enumerate(norms):
            if q in norm or (cjk and cq in norm.replace(" ", "")):
                out[i] = (0.9, True)
    # 2. every word of the query, exactly or with a typo, anywhere in the paragraph
    if not words or any(len(w) < 2 for w in words):
        return out
    per_word = []
    for w in words:
        found: dict[int, float] = {}
        short = len(w) <= 3 and not has_cjk(w)  # "LIF" is not in "life"
        for word, ids in vocabulary.items():
            sim = float(w == word) if short else token_similarity(w, word)
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


def excerpt(text: str, query: str, width: int = 110) -> str:
    """A piece of ``text`` around the first place the query (or one of its words) occurs."""
    if len(text) <= width:
        return text
    folded = unicodedata.normalize("NFKC", text).casefold()
    pos = -1
    for needle in (normalize(query), *sorted(tokens(normalize(query)), key=len, reverse=True)):
        pos = folded.find(needle)
        if pos >= 0:
            break
    start = max(0, min(pos - width // 3, len(text) - width)) if pos >= 0 else 0
    piece = text[start:start + width].strip()
    return ("…" if start > 0 else "") + piece + ("…" if start + width < len(text) else "")


_GENERIC_SECTION_RE = re.compile(
    r"^(learning (goals|objectives)|exercises?|references|further reading|more to try|summary|"
    r"学习目标|练习|参考文献|小结)\b", re.IGNORECASE)


def best_section(headings, passages, norms, notebook: str, terms) -> str | None:
    """The section of ``notebook`` that the query (``terms[0]``, else the concept's names) is about.

    A heading that matches comes first; failing that, the section whose
    paragraphs contain the query most often (the first such section on a tie),
    where a generic section (learning goals, exercises, references) counts only
    if no other section mentions the query.  ``norms`` are the passages'
    normalised texts (:func:`passage_vocabulary`).
    """
    cands = [(h.text, plain(h.text)) for h in headings if h.notebook == notebook]
    if not cands:
        return None
    found = best_match(cands, terms[:1], 0.6) or best_match(cands, terms[1:], 0.75)
    if found:
        return found
    nt = normalize(terms[0])
    if len(nt.replace(" ", "")) < (2 if has_cjk(nt) else 4):
        return None
    counts: dict[str, int] = {}
    for p, norm in zip(passages, norms):
        if p.notebook == notebook and p.section and nt in norm:
            counts[p.section] = counts.get(p.section, 0) + norm.count(nt)
    specific = {k: v for k, v in counts.items() if not _GENERIC_SECTION_RE.search(plain(k))}
    counts = specific or counts
    return max(counts, key=counts.get) if counts else None
