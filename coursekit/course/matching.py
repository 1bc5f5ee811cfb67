"""Fuzzy text matching for English and Chinese, without a word segmenter.

What :func:`coursekit.lookup` and the course site's search use to compare a
query with a term (a glossary name, a heading, a word of a paragraph or of a
transcript):

* exact and substring matches (after case folding, NFKC and punctuation removal);
* typos: a bounded edit distance to the best-matching part of a term
  (``"Hodgkin-Huxly"``, ``"izhikevic"``), more edits for longer queries;
* multi-word queries word by word, in any order;
* character n-gram overlap: bigrams for Chinese, trigrams for Latin text.

Chinese is written without spaces, so a run of Chinese characters is one "word"
and a Chinese query matches by *substring* and n-grams of characters rather than
by word: ``泄漏`` finds ``泄漏整合发放模型`` and ``(泄漏积分器)``.  A segmenter
(jieba) would add a dependency and its own segmentation errors; character
matching needs neither.

Standard library only.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "CJK_SPLIT_RE",
    "best_match",
    "bigram_list",
    "fold",
    "has_cjk",
    "is_cjk",
    "max_edits",
    "normalize",
    "normalized_similarity",
    "similarity",
    "substring_distance",
    "token_similarity",
    "tokens",
    "word_distance",
]

_PUNCT_RE = re.compile(r"[\s\-‐‑‒–—_/·・、，,.;；:：()（）\[\]【】{}「」『』《》<>\"'`’‘“”!！?？|]+")
#: Splits a run of Chinese characters off the Latin text around it (the run is kept: a capture group).
CJK_SPLIT_RE = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)")
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def is_cjk(ch: str) -> bool:
    """Whether the character ``ch`` is a Chinese character (CJK unified ideographs and compatibility)."""
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese character (a regex search: this runs for every term of every query)."""
    return _CJK_RE.search(text) is not None


def fold(text: str) -> str:
    """Case-fold, NFKC (full-width -> ASCII, ² -> 2), punctuation -> single spaces.

    Not cached: for texts seen once (the sentences of a transcript); :func:`normalize` is the cached form.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return _PUNCT_RE.sub(" ", text).strip()


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """:func:`fold`, cached: queries, glossary names, headings and paragraphs come back again and again."""
    return fold(text)


@lru_cache(maxsize=8192)
def tokens(norm: str) -> tuple[str, ...]:
    """Words of a normalised text; a run of Chinese characters is one word, split off from Latin text."""
    out = []
    for word in norm.split():
        out.extend(p for p in CJK_SPLIT_RE.split(word) if p)
    return tuple(out)


@lru_cache(maxsize=8192)
def _grams(compact: str) -> frozenset:
    """Character bigrams of Chinese text, trigrams of other text."""
    n = 2 if has_cjk(compact) else 3
    if len(compact) < n:
        return frozenset([compact]) if compact else frozenset()
    return frozenset(compact[i:i + n] for i in range(len(compact) - n + 1))


def max_edits(q: str) -> int:
    """Typos allowed for a query of this length (Chinese characters carry more)."""
    n = len(q)
    if has_cjk(q):
        return 0 if n < 4 else 1 if n < 8 else 2
    return 0 if n <= 3 else 1 if n <= 7 else 2 if n <= 12 else 3


def substring_distance(q: str, t: str, bound: int) -> int:
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


def word_distance(a: str, b: str, bound: int) -> int:
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


@lru_cache(maxsize=16384)
def _bigrams(text: str) -> frozenset:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def bigram_list(text: str) -> list[str]:
    """Character bigrams of ``text`` in order (a text of one character is its own bigram)."""
    return [text[i:i + 2] for i in range(len(text) - 1)] if len(text) > 1 else [text]


def _may_be_within(q: str, t: str, bound: int) -> bool:
    """Cheap necessary condition for ``substring_distance(q, t) <= bound``.

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


def token_similarity(qt: str, tt: str) -> float:
    """How well the word ``qt`` matches the word ``tt``: 1 equal, about 0.9 contained, less for typos, else 0."""
    if qt == tt:
        return 1.0
    cjk = has_cjk(qt)
    if len(qt) >= (2 if cjk else 3) and qt in tt:
        return 0.9 if tt.startswith(qt) else 0.85
    bound = max_edits(qt)
    if bound and len(tt) >= len(qt) - bound and _may_be_within(qt, tt, bound):
        d = substring_distance(qt, tt, bound)
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
    return normalized_similarity(normalize(query), normalize(term))


@lru_cache(maxsize=65536)
def normalized_similarity(q: str, t: str) -> float:
    """:func:`similarity` of two texts already passed through :func:`normalize`."""
    if not q or not t:
        return 0.0
    if q == t:
        return 1.0
    cq, ct = q.replace(" ", ""), t.replace(" ", "")
    if cq == ct:
        return 0.99
    cjk = has_cjk(cq)
    # 1. the query is part of the term (short Latin queries only at a word start)
    if cq in ct and (cjk or len(cq) > 3 or _word_start(q, t)):
        return 0.9 + 0.1 * len(cq) / len(ct)
    best = 0.0
    # 2. typos: edit distance to the best-matching part of the term
    bound = max_edits(cq)
    if bound and _may_be_within(cq, ct, bound):
        d = substring_distance(cq, ct, bound)
        if d <= bound:
            best = 0.9 * (1 - d / len(cq))
    # 3. word by word (multi-word queries, words in another order)
    qts, tts = tokens(q), tokens(t)
    if len(qts) > 1 or len(tts) > 1:
        total = sum(len(w) for w in qts)
        acc = sum(len(w) * max((token_similarity(w, tw) for tw in tts), default=0.0) for w in qts)
        best = max(best, 0.95 * acc / total)
    # 4. character n-gram overlap, measured on the query's n-grams
    gq, gt = _grams(cq), _grams(ct)
    if gq and len(gq) >= 2:
        containment = len(gq & gt) / len(gq)
        if containment >= 0.5:
            best = max(best, 0.8 * containment)
    return best


def best_match(candidates, terms, threshold):
    """The candidate whose text matches one of ``terms`` best, if above ``threshold`` (else None).

    ``candidates`` are ``(candidate, text)`` pairs; on a tie the first candidate, first term wins.
    """
    best, best_score = None, threshold
    for cand, text in candidates:
        for t in terms:
            sc = similarity(t, text)
            if sc > best_score:
                best, best_score = cand, sc
    return best
