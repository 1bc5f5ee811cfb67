"""Does the coursekit code a glossary concept names exist yet?

:func:`function_exists` answers without importing anything: a module that is
loaded already is inspected without triggering its lazy attributes, and one that
is not has its source file parsed.  So ``coursekit lookup`` stays fast in a fresh
process and never loads numpy, numba or a model to say that ``coursekit.neurons.LIF``
exists.  :class:`FunctionRef` is the answer a lookup hit carries: the path, whether
it exists, and if not, which session's planned module (schedule.yaml's
``planned_code``) will hold it.

Standard library only.
"""
from __future__ import annotations

import ast
import sys
import types
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["AVAILABLE", "MISSING", "PLANNED", "FunctionRef", "PACKAGE_ROOT", "function_exists"]

#: The coursekit package folder (the one this module is in).
PACKAGE_ROOT = Path(__file__).resolve().parents[1]

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


def function_exists(path: str) -> bool:
    """Whether the coursekit object ``path`` (``coursekit.neurons.LIF``) exists now.

    Nothing is imported: a module that is loaded already is inspected without
    triggering its lazy attributes (``import coursekit`` resolves models on first
    use), and a module that is not loaded has its source file located under the
    package and parsed for a top-level definition, import, ``__all__`` entry or
    lazily exported name of the object.
    """
    return _function_exists(path, PACKAGE_ROOT)


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
