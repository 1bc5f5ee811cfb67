"""Search in what was said: the recordings' transcripts, sentence by sentence.

The transcripts are ``recordings/<session>.json`` beside the schedule, written
by ``coursekit recordings add`` (:mod:`coursekit.course.recordings`).  Each
sentence becomes a :class:`Said` (session, the second it starts at, text), and
:class:`SaidIndex` holds postings over them: English words, and Chinese
character bigrams (Chinese has no spaces, so no segmenter is needed), so that a
query touches only the sentences that share its words.  Typos are matched
within a bounded number of edits; a single Chinese character or a Latin query
of three letters or fewer matches only as a whole word, never inside one.

Standard library only.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from .matching import (
    CJK_SPLIT_RE,
    bigram_list,
    fold,
    is_cjk,
    max_edits,
    substring_distance,
    tokens,
    word_distance,
)

__all__ = ["Said", "SaidIndex", "read_said"]


@dataclass(frozen=True)
class Said:
    """A sentence of a recording's transcript: the session, the second it starts at, the text."""

    session: str
    seconds: int
    text: str


def read_said(schedule, recordings_dir=None) -> list[Said]:
    """The sentences of every transcript of the sessions of ``schedule``, session file by file.

    ``recordings_dir`` is the folder that holds ``recordings/`` (default: the
    folder of ``schedule.yaml``).  A transcript that cannot be read, or names a
    session the schedule does not have, is skipped with a warning attributed to
    the caller of the caller (:func:`coursekit.course.lookup.build_index`'s).
    """
    from .recordings import TRANSCRIPT_DIR, read_transcript

    said = []
    root = Path(recordings_dir) if recordings_dir is not None else schedule.root
    folder = root / TRANSCRIPT_DIR if root is not None else None
    ids = {s.id for s in schedule.sessions}
    for path in sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []:
        try:
            t = read_transcript(path)
        except (OSError, ValueError) as exc:  # one broken transcript must not break lookup
            warnings.warn(f"lookup skips {exc}", stacklevel=3)
            continue
        if t.session not in ids:
            warnings.warn(f"lookup skips {path.name}: session {t.session!r} is not in the schedule", stacklevel=3)
            continue
        said.extend(Said(t.session, seg.seconds, seg.text) for seg in t.segments)
    return said


class SaidIndex:
    """Postings over the transcripts' sentences: English words and Chinese character bigrams."""

    def __init__(self, said):
        self.said = tuple(said)
        self.norms: list[str] = []
        self.compact: list[str] = []
        self.words: dict[str, list[int]] = {}  # Latin word -> sentences
        self.grams: dict[str, list[int]] = {}  # Chinese bigram -> sentences
        self.word_grams: dict[str, list[str]] = {}  # bigram of a Latin word -> words (typo candidates)
        for i, item in enumerate(self.said):
            norm = fold(item.text)
            self.norms.append(norm)
            self.compact.append(norm.replace(" ", ""))
            grams, words = set(), set()
            for word in norm.split():
                for part in CJK_SPLIT_RE.split(word):
                    if not part:
                        continue
                    if is_cjk(part[0]):
                        grams.update(bigram_list(part))
                    elif any(c.isalnum() for c in part):
                        words.add(part)
            for g in grams:
                self.grams.setdefault(g, []).append(i)
            for w in words:
                ids = self.words.get(w)
                if ids is None:
                    self.words[w] = ids = []
                    for g in set(bigram_list(w)):
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
        bound = max_edits(w)
        grams = set(bigram_list(w))
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
                d = word_distance(w, word, bound)
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
        if len(t) < 2:
            return {}
        grams = set(bigram_list(t))
        counts: dict[int, int] = {}
        for g in grams:
            for i in self.grams.get(g, ()):
                counts[i] = counts.get(i, 0) + 1
        bound = max_edits(t) if typos else 0
        need = len(grams) - 2 * bound  # one wrong character breaks at most two bigrams
        out = {}
        for i, n in counts.items():
            if n < need:
                continue
            if n == len(grams) and t in self.compact[i]:
                out[i] = 1.0
            elif bound:
                d = substring_distance(t, self.compact[i], bound)
                if d <= bound:
                    out[i] = 0.9 * (1 - d / len(t))
        return out

    def _token(self, tok: str, typos: bool) -> dict[int, float]:
        return self._chinese(tok, typos) if is_cjk(tok[0]) else self._latin(tok, typos)

    # -- a query -------------------------------------------------------------
    def match(self, q: str) -> dict[int, tuple[float, bool]]:
        """Sentences matching the normalised query: index -> (quality, exact).

        Every word of the query must occur (a Chinese run as characters), in any
        order, exactly or with a typo; the whole query as a phrase scores best.
        """
        toks = [t for t in tokens(q) if any(c.isalnum() for c in t)]
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
            if (f" {q} " in f" {self.norms[i]} ") or (is_cjk(cq[0]) and cq in self.compact[i]):
                quality = 0.95
            out[i] = (quality, min(sims) >= 0.85)
        return out

    def phrase(self, term: str) -> list[int]:
        """Sentences that contain the normalised ``term`` as a phrase (a glossary name)."""
        toks = [t for t in tokens(term) if any(c.isalnum() for c in t)]
        if not toks or len(term.replace(" ", "")) < 2:
            return []
        ids = set.intersection(*(set(self._token(t, typos=False)) for t in toks))
        ct = term.replace(" ", "")
        padded = f" {term} "
        return sorted(i for i in ids if padded in f" {self.norms[i]} " or (is_cjk(ct[0]) and ct in self.compact[i]))
