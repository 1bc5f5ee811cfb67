"""Every name the course imports from ``coursekit.course.lookup`` still resolves there.

lookup.py was split into modules with one job each (matching, glossary, code_refs,
notebook_index, subtitles, hit_display); it re-exports what code imports from it.
This test reads the tree -- the package, the tests, the benchmarks, and the code
cells of the lecture, solution and assignment notebooks -- for imports from
lookup (absolute or relative, ``from ... import name`` or ``module.name`` on an
imported module) and for Sphinx references (``:func:`coursekit.course.lookup.<name>```),
so an import added tomorrow is checked too.
"""
from __future__ import annotations

import ast
import importlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MODULE = "coursekit.course.lookup"
_SPHINX_RE = re.compile(r":(?:func|class|mod|data|attr|meth|exc):`~?coursekit\.course\.lookup\.([A-Za-z_]\w*)")


def _files(folder: str, suffix: str):
    """Files under ``folder`` ending in ``suffix``, in order; hidden folders (the benchmarks' peer virtual
    environments, .ipynb_checkpoints) and caches are not entered."""
    for top, dirs, files in os.walk(REPO / folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if name.endswith(suffix):
                yield Path(top) / name


def _sources():
    """(label, python source) of every file that mentions lookup: .py files and notebook code cells."""
    for folder in ("coursekit", "tests", "benchmarks"):
        for path in _files(folder, ".py"):
            text = path.read_text(encoding="utf-8")
            if "lookup" in text:
                yield str(path.relative_to(REPO)), text
    for folder in ("lectures", "solutions", "assignments"):
        for path in _files(folder, ".ipynb"):
            text = path.read_text(encoding="utf-8")
            if "lookup" not in text:
                continue
            for k, cell in enumerate(json.loads(text).get("cells", [])):
                if cell.get("cell_type") == "code":
                    src = cell.get("source", "")
                    src = "".join(src) if isinstance(src, list) else src
                    # IPython magics and shell lines are not Python
                    src = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())
                    yield f"{path.relative_to(REPO)} cell {k}", src


def _package_of(label: str) -> str | None:
    """The package a file of coursekit/ is in (for relative imports), else None."""
    if not label.startswith("coursekit") or not label.endswith(".py"):
        return None
    return ".".join(Path(label).parts[:-1])  # a module's package, or an __init__.py's own: its folder


def _absolute(node: ast.ImportFrom, label: str) -> str | None:
    if not node.level:
        return node.module
    package = _package_of(label)
    if package is None:
        return None
    base = package.split(".")
    if node.level > 1:
        base = base[: -(node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@lru_cache(maxsize=1)
def imported_names():
    """{name: [where, ...]} for every name taken from coursekit.course.lookup in the tree (read once)."""
    found: dict[str, list[str]] = {}

    def add(name, where):
        found.setdefault(name, []).append(where)

    for label, source in _sources():
        for m in _SPHINX_RE.finditer(source):
            add(m.group(1), f"{label} (reference)")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        aliases = set()  # local names bound to the lookup module itself
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = _absolute(node, label)
                for a in node.names:
                    if module == MODULE and a.name != "*":
                        add(a.name, f"{label}:{node.lineno}")
                    elif module == "coursekit.course" and a.name == "lookup":
                        aliases.add(a.asname or a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == MODULE and a.asname:
                        aliases.add(a.asname)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                if isinstance(node.value, ast.Name) and node.value.id in aliases:
                    add(node.attr, f"{label}:{node.lineno}")
                elif ast.unparse(node.value) == MODULE:  # coursekit.course.lookup.name
                    add(node.attr, f"{label}:{node.lineno}")
    return found


def test_the_scan_finds_the_imports_it_must():
    """The scan itself works: coursekit's lazy ``lookup``, site.py's relative imports, the tests' own."""
    found = imported_names()
    assert "lookup" in found and any(w.startswith("coursekit/__init__.py") for w in found["lookup"])
    assert any(w.startswith("coursekit/course/site.py") for ws in found.values() for w in ws)
    assert any(w.startswith("tests/test_lookup.py") for ws in found.values() for w in ws)
    assert "no_such_function" not in found  # a string in a test is no import


def test_every_name_imported_from_lookup_resolves():
    module = importlib.import_module(MODULE)
    missing = {name: where for name, where in imported_names().items() if not hasattr(module, name)}
    assert not missing, f"{MODULE} no longer provides: {missing}"


@pytest.mark.parametrize("name", importlib.import_module(MODULE).__all__)
def test_the_public_names_resolve(name):
    assert hasattr(importlib.import_module(MODULE), name)
