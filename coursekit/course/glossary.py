"""The concept glossary: ``glossary.yaml`` (shipped with this package) read and checked.

Each concept has an English and a Chinese name, synonyms in either language, the
coursekit code that implements it (dotted paths, checked by
:mod:`coursekit.course.code_refs`) and the sessions that teach it.
:func:`coursekit.lookup` searches these names; the lecture header lists a
session's concepts.

PyYAML and the standard library only.
"""
from __future__ import annotations

import importlib.resources
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["Concept", "GlossaryError", "check_sessions", "default_glossary_path", "load_glossary"]

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DOTTED_RE = re.compile(r"^coursekit(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_CONCEPT_KEYS = {"id", "en", "zh", "synonyms", "function", "sessions"}


class GlossaryError(ValueError):
    """``glossary.yaml`` is malformed or names a session that is not in the schedule."""


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


def check_sessions(concepts, session_ids) -> None:
    """Raise :class:`GlossaryError` for the first concept that names a session not in ``session_ids``."""
    for c in concepts:
        for sid in c.sessions:
            if sid not in session_ids:
                raise GlossaryError(f"glossary concept {c.id!r} field 'sessions': unknown session id {sid!r}")
