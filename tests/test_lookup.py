"""`coursekit lookup` / coursekit.lookup: concept -> session, notebook section, assignment, function.

Every expectation about the real course is derived from the tree (which notebooks
exist, which headings and text they hold, what the package exports), so a lecture
that is renamed or rewritten, or local state such as JupyterLab's
``.ipynb_checkpoints``, does not break these tests; the tests that pin exact
behaviour build their own small course in a temporary directory.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coursekit.cli import main
from coursekit.course.lookup import (
    GlossaryError,
    Hits,
    build_index,
    function_exists,
    load_glossary,
    lookup,
    notebook_headings,
    notebook_passages,
    similarity,
)
from coursekit.course.lookup import _function_exists, _plain
from coursekit.course.schedule import load_schedule

REPO = Path(__file__).resolve().parents[1]


#: a module that will never exist: the planned-code tests plan it, so that they do not depend on which of
#: the course's modules are still unwritten
FUTURE = "coursekit.learning.not_written_yet"


@pytest.fixture
def future(tmp_path):
    """schedule.yaml and the glossary copied, with d10-am planning FUTURE and the surrogate-gradient concept
    naming FUTURE.surrogate_gradient: ``dict(schedule=..., glossary=..., lectures_dir=...)`` for lookup."""
    import re

    text = (REPO / "schedule.yaml").read_text(encoding="utf-8")
    text = re.sub(r"\n    planned_code: \[[^\]]*\]", "", text)  # whatever is still planned, nothing is now
    text = text.replace("    assignment: snn_training\n", f"    assignment: snn_training\n    planned_code: [{FUTURE}]\n")
    (tmp_path / "schedule.yaml").write_text(text, encoding="utf-8")
    glossary = Path(importlib.import_module("coursekit.course").__file__).parent / "glossary.yaml"
    g = glossary.read_text(encoding="utf-8")
    g = g.replace("function: coursekit.learning.snn.surrogate_gradient", f"function: {FUTURE}.surrogate_gradient")
    assert FUTURE in text and FUTURE in g
    (tmp_path / "glossary.yaml").write_text(g, encoding="utf-8")
    return dict(schedule=tmp_path / "schedule.yaml", glossary=tmp_path / "glossary.yaml",
                lectures_dir=REPO / "lectures")


def top(query, **kw):
    hits = lookup(query, **kw)
    assert hits, f"no hits for {query!r}"
    return hits[0]


def resolve(path):
    """The object a dotted coursekit name stands for, as ``from module import name`` finds it."""
    return pkgutil.resolve_name(path)


# ----------------------------------------------------------------------------- the examples


@pytest.mark.parametrize("query, concept, session", [
    ("泄漏", "lif", "d3-am"),
    ("Mg block", "nmda", "d4-am"),
    ("bump", "cann", "d7-am"),
    ("回声状态", "echo_state_network", "d8-pm"),
    ("Hodgkin-Huxly", "hodgkin_huxley", "d2-am"),  # typo
    ("izhikevic", "izhikevich", "d3-am"),  # typo
    ("LIF", "lif", "d3-am"),
    ("行波", "travelling_wave", "d7-pm"),
    ("天琴芯", "bpu", "c2-bpu-lab"),
    ("Wong-Wang", "decision_rate", "d6-am"),
    ("相平面", "phase_plane", "d3-am"),
    ("Izhikevich bursting", "izhikevich", "d3-am"),  # words matched across a concept's terms
    ("LIF 模型", "lif", "d3-am"),
    # found nothing, or the wrong thing, before
    ("GABA", "gaba", "d4-am"),
    ("电压钳", "voltage_clamp", "d2-am"),
    ("voltage clamp", "voltage_clamp", "d2-am"),
    ("Brunel", "brunel", "d6-pm"),
    ("window current", "window_current", "d2-am"),
    ("Nernst", "nernst_ghk", "d2-am"),
    ("volatge clamp", "voltage_clamp", "d2-am"),  # typo
])
def test_concepts(query, concept, session):
    hit = top(query)
    assert (hit.kind, hit.concept, hit.session.id) == ("concept", concept, session)


def test_gaba_names_code_that_exists():
    hit = top("GABA")
    assert [(f.path, f.exists, f.status) for f in hit.functions] == [
        ("coursekit.synapses.GABA_A", True, "available")]
    assert "not written yet" not in "\n".join(text for label, text in hit.lines() if label == "code")
    assert "from coursekit.synapses import GABA_A  (available)" in str(hit)


def test_echo_state_query_finds_esn_before_anything_else():
    hits = lookup("回声状态")
    assert {h.concept for h in hits[:2]} == {"echo_state_network", "echo_state_property"}


@pytest.mark.parametrize("teacher, session", [("陈啸宇", "d2-am"), ("吕沐洋", "d3-am"), ("彭相源", "d8-pm")])
def test_teacher(teacher, session):
    hit = top(teacher)
    assert hit.kind == "session" and hit.session.id == session and hit.session.teacher == teacher


def test_teacher_of_several_sessions():
    assert [h.session.id for h in lookup("吴思")][:2] == ["d1-am", "d10-close"]
    assert {h.session.id for h in lookup("李松挺")} == {"c2-talks", "d5-pm"}


def test_hit_fields():
    hit = top("泄漏")
    s = hit.session
    assert (s.date.isoformat(), f"{s.start:%H:%M}", s.teacher) == ("2025-08-19", "10:00", "吕沐洋")
    assert hit.notebook == "lectures/05_simplified_neurons_theory.ipynb"
    assert hit.notebook_exists == (REPO / hit.notebook).is_file()
    assert hit.assignment == "simplified_neurons"
    released = any((REPO / "assignments" / "simplified_neurons").glob("*.ipynb"))
    assert (hit.assignment_state == "released") == released
    assert [f.path for f in hit.functions] == ["coursekit.neurons.LIF"]


def test_no_match_and_bad_query():
    assert lookup("xyzzy") == []
    with pytest.raises(ValueError, match="non-empty query"):
        lookup("  ")
    with pytest.raises(ValueError, match="limit"):
        lookup("LIF", limit=0)


def test_similarity_scores():
    assert similarity("LIF", "lif") == 1.0
    assert similarity("泄漏", "泄漏整合发放模型") > 0.9
    assert 0.75 < similarity("Hodgkin-Huxly", "Hodgkin–Huxley") < 0.9
    assert similarity("lif", "qualifier") < 0.5  # short words only match at a word start
    assert similarity("numpy", "bump") < 0.7


# ----------------------------------------------------------------------------- display


def test_text_display():
    hits = lookup("泄漏", limit=2)
    assert isinstance(hits, Hits) and isinstance(hits, list) and len(hits) == 2
    text = str(hits)
    for part in ("2025-08-19 10:00-12:00", "吕沐洋", "lectures/05_simplified_neurons_theory.ipynb",
                 "simplified_neurons", "from coursekit.neurons import LIF  (available)", "泄漏整合发放模型"):
        assert part in text
    assert text.count("[0.") + text.count("[1.") == 2
    # what a notebook or a Python prompt shows is the same text, never Hit(...) reprs
    assert repr(hits) == text and "Hit(" not in repr(hits)
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    shell = interactiveshell.InteractiveShell.instance()
    data, _ = shell.display_formatter.format(hits)  # what a notebook sends to JupyterLab
    assert data["text/plain"] == text and data["text/html"].startswith("<table")
    data, _ = shell.display_formatter.format(hits[0])
    assert data["text/plain"] == str(hits[0]) and "Hit(" not in data["text/plain"]
    assert str(Hits()) == "no matches"


def test_html_table_has_a_column_for_each_field(future):
    html = lookup("泄漏", limit=3)._repr_html_()
    assert html.startswith("<table") and html.count("<tr>") == 4  # header + 3 hits
    for column in ("found", "session", "date (Beijing)", "teacher", "recording", "notebook § section",
                   "assignment", "coursekit code"):
        assert f">{column}</th>" in html
    for part in ("吕沐洋", "2025-08-19", "d3-am", "coursekit.neurons.LIF", "✓"):
        assert part in html
    planned = top("替代梯度", **future)._repr_html_()
    assert FUTURE in planned and "not written yet" in planned and "✓" not in planned
    assert "coursekit.bpu</code> ✓" in top("天琴芯")._repr_html_()  # written: marked as available
    assert "<script" not in lookup("<script>alert(1)</script> LIF")._repr_html_()  # escaped


def test_json_keeps_every_field(future):
    data = top("替代梯度", **future).as_dict()
    assert data["session"]["id"] == "d10-am" and data["concept"] == "surrogate_gradient"
    f = data["functions"][0]
    assert f["path"] == f"{FUTURE}.surrogate_gradient" and f["exists"] is False
    assert (f["status"], f["planned_module"]) == ("not written yet", FUTURE)
    assert "d10-am" in f["planned_sessions"]
    f = top("RNN").as_dict()["functions"][0]
    assert (f["path"], f["exists"], f["status"]) == ("coursekit.learning.rnn.RateRNN", True, "available")
    assert "assignment_state" in data and "notebook_exists" in data


# ----------------------------------------------------------------------------- glossary: the code it names


def test_planned_modules_are_not_written_yet():
    """schedule.yaml's planned_code must tell the truth: a module it lists does not exist yet."""
    planned = load_schedule().planned_modules()
    for module, sessions in planned.items():
        try:
            spec = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            spec = None
        assert spec is None, (f"{module} exists now: delete it from planned_code of {', '.join(sessions)} "
                              "in schedule.yaml")


def test_every_glossary_path_resolves():
    """Every code path of the glossary names a real object, or lies in a module the schedule
    marks as not written yet -- never a wrong name (coursekit.synapses.GABAa was one)."""
    schedule = load_schedule()
    index = build_index(schedule)
    wrong = []
    for c in load_glossary():
        for ref in index.function_refs(c):
            try:
                resolve(ref.path)
                found = True
            except (ImportError, AttributeError):
                found = False
            planned = schedule.planned_module_of(ref.path)
            if found:
                assert ref.exists and ref.status == "available", ref
            elif planned is None:
                wrong.append(f"{c.id}: {ref.path}")
            else:
                assert (ref.exists, ref.status, ref.planned) == (False, "not written yet", planned), ref
                assert set(ref.sessions) == set(schedule.planned_modules()[planned])
    assert not wrong, "glossary names code that neither exists nor is planned: " + "; ".join(wrong)


def test_function_exists_agrees_with_python_without_importing_anything():
    """A fresh process (as the command line is) answers from the source files: the same answer as
    importing for real, and numpy, scipy, numba and the models stay unimported."""
    paths = sorted({p for c in load_glossary() for p in c.functions})
    truth = {}
    for p in paths:
        try:
            resolve(p)
            truth[p] = True
        except (ImportError, AttributeError):
            truth[p] = False
    code = (
        "import json, sys; import coursekit; heavy = ('numpy', 'scipy', 'matplotlib', 'numba');"
        "before = {m for m in sys.modules};"
        "from coursekit.course.lookup import function_exists;"
        f"answers = {{p: function_exists(p) for p in {paths!r}}};"
        "new = sorted(m for m in set(sys.modules) - before if m.split('.')[0] in heavy "
        "or m.startswith(('coursekit.neurons.', 'coursekit.networks', 'coursekit.analysis')));"
        "print(json.dumps([answers, new]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    answers, imported = json.loads(out.stdout)
    assert imported == []
    assert answers == truth


# the classes that are no model or tool of their own: base classes, and the records a tool returns
# (a class named ...Result or ...Error is one of those too)
NOT_MODELS = {
    "coursekit.neurons": {"Model"},
    "coursekit.synapses": {"Synapse"},
    "coursekit.networks.attractors": {"CapacityCurve", "TrackingPhaseDiagram"},
    "coursekit.analysis": {"VectorField", "Nullclines", "FixedPoint", "Branches", "HopfPoints", "LimitCycleExtent",
                           "FICurve", "VoltageClamp", "GateFit"},
}
MODEL_PACKAGES = ["coursekit.neurons", "coursekit.synapses", "coursekit.plasticity", "coursekit.networks",
                  "coursekit.networks.attractors", "coursekit.analysis"]


def package_models():
    """(package, name, object) for every model and tool the package exports."""
    out = []
    for package in MODEL_PACKAGES:
        mod = importlib.import_module(package)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or not callable(obj) or name in NOT_MODELS.get(package, ()):
                continue
            if inspect.isclass(obj) and name.endswith(("Result", "Error")):
                continue
            out.append((package, name, obj))
    return out


def test_every_model_and_tool_has_a_glossary_entry():
    """Neurons, synapses, plasticity rules, networks and circuits, attractor models, analysis
    tools: each exported one is named by a glossary concept (a new model without one fails)."""
    models = package_models()
    assert len(models) > 80  # the enumeration itself works
    named = {}
    for c in load_glossary():
        for path in c.functions:
            try:
                named.setdefault(id(resolve(path)), []).append(c.id)
            except (ImportError, AttributeError):
                pass
    missing = [f"{package}.{name}" for package, name, obj in models if id(obj) not in named]
    assert not missing, f"exported by coursekit but in no glossary entry: {missing}"
    stale = [name for package, names in NOT_MODELS.items() for name in names
             if not hasattr(importlib.import_module(package), name)]
    assert not stale, f"NOT_MODELS lists names the package no longer exports: {stale}"


def test_glossary_covers_the_notes_and_the_schedule():
    concepts = {c.id: c for c in load_glossary()}
    notes = ["hodgkin_huxley", "lif", "qif", "theta_neuron", "expif", "adex", "izhikevich", "fitzhugh_nagumo",
             "gif", "exponential_synapse", "dual_exponential_synapse", "alpha_synapse", "ampa", "gaba", "nmda",
             "short_term_depression", "transmitter_consumption", "tsodyks_markram", "stdp", "decision_spiking",
             "decision_rate", "ei_balance", "plastic_feedforward_inhibition", "hopfield", "modern_hopfield",
             "cann", "cann_sfa", "travelling_wave", "rnn", "bptt", "rtrl", "reservoir_computing",
             "echo_state_network", "echo_state_property", "snn_training", "surrogate_gradient", "bpu",
             "phase_plane", "bifurcation", "fi_curve", "nullcline", "fixed_point"]
    assert not set(notes) - set(concepts)
    sessions = {s.id for s in load_schedule().sessions}
    for c in concepts.values():
        assert set(c.sessions) <= sessions, c.id
        assert c.sessions, c.id


def test_glossary_unknown_session_is_an_error(tmp_path):
    text = (REPO / "coursekit/course/glossary.yaml").read_text(encoding="utf-8")
    path = tmp_path / "glossary.yaml"
    lif = text.index("  - id: lif\n")
    broken = text[:lif] + text[lif:].replace("sessions: [d3-am", "sessions: [d33-pm", 1)
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(GlossaryError, match="concept 'lif' field 'sessions': unknown session id 'd33-pm'"):
        build_index(glossary=path)
    path.write_text(text.replace("function: coursekit.neurons.LIF", "function: neurons.LIF"), encoding="utf-8")
    with pytest.raises(GlossaryError, match="concept 'lif' field 'function'"):
        load_glossary(path)


def test_a_wrong_name_is_reported_as_not_found(tmp_path):
    text = (REPO / "coursekit/course/glossary.yaml").read_text(encoding="utf-8")
    path = tmp_path / "glossary.yaml"
    path.write_text(text.replace("function: coursekit.synapses.GABA_A", "function: coursekit.synapses.GABAa"),
                    encoding="utf-8")
    ref = top("GABA", glossary=path).functions[0]
    assert (ref.exists, ref.status, ref.planned) == (False, "not found in coursekit", None)


def test_function_exists_without_importing(tmp_path):
    pkg = tmp_path / "coursekit"
    (pkg / "models").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "models" / "__init__.py").write_text("from .lif import LIF as LIF\n__all__ = ['Lazy']\n")
    (pkg / "models" / "lif.py").write_text("import numpy\nclass LIF:\n    pass\n")
    (pkg / "tools.py").write_text("def fi_curve():\n    pass\nCONSTANT = 1\n")
    (pkg / "lazy.py").write_text("_EXPORTS = {'Wang2002': 'wang2002'}\n__all__ = sorted(_EXPORTS)\n"
                                 "def __getattr__(name):\n    raise AttributeError(name)\n")
    for path, expected in [
        ("coursekit.models.LIF", True), ("coursekit.models.Lazy", True), ("coursekit.models.lif.LIF", True),
        ("coursekit.models.QIF", False), ("coursekit.tools.fi_curve", True), ("coursekit.tools.CONSTANT", True),
        ("coursekit.tools", True), ("coursekit.missing.Thing", False), ("coursekit.tools.nope", False),
        ("coursekit.lazy.Wang2002", True), ("coursekit.lazy.Wang2003", False),
    ]:
        assert _function_exists(path, pkg) is expected, path
    assert function_exists("coursekit.course.lookup.lookup")
    assert function_exists("coursekit.course.lookup.Hits.as_dicts")
    assert not function_exists("coursekit.course.lookup.no_such_function")


def test_import_and_lookup_stay_light():
    """Importing lookup and running it loads nothing heavy beyond what `import coursekit` does."""
    code = (
        "import sys; heavy = ('numpy', 'scipy', 'matplotlib', 'numba');"
        "import coursekit; before = {m for m in heavy if m in sys.modules};"
        "from coursekit.course.lookup import lookup; lookup('LIF'); lookup('CANN'); lookup('voltage clamp');"
        "after = {m for m in heavy if m in sys.modules}; print(sorted(after - before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- the real lectures


def _teaching_sections(notebook, words):
    """Headings of ``notebook`` that name one of ``words``, and whether its text mentions one."""
    headings = [h.text for h in notebook_headings(REPO / notebook)
                if any(w in _plain(h.text).casefold() for w in words)]
    mentioned = any(w in p.text.casefold() for p in notebook_passages(REPO / notebook) for w in words)
    return headings, mentioned


@pytest.mark.parametrize("query, concept, words", [
    ("Nernst", "nernst_ghk", ("nernst",)),
    ("GHK", "nernst_ghk", ("nernst", "goldman", "ghk")),
    ("voltage clamp", "voltage_clamp", ("voltage clamp", "voltage-clamp", "电压钳")),
    ("电压钳", "voltage_clamp", ("voltage clamp", "voltage-clamp", "电压钳")),
    ("window current", "window_current", ("window",)),
])
def test_concept_points_at_a_lecture_that_teaches_it(query, concept, words):
    """Whatever the sections are called: each written notebook the glossary sends the reader to
    teaches the concept, the hit names a section about it where there is one, and at least one
    written lecture is named."""
    hits = [h for h in lookup(query, limit=20) if h.concept == concept]
    assert hits
    written = [h for h in hits if h.notebook_exists]
    assert written, f"{concept}: no written lecture named; sessions {[h.session.id for h in hits]}"
    for h in written:
        headings, mentioned = _teaching_sections(h.notebook, words)
        assert headings or mentioned, f"the glossary sends {concept!r} to {h.notebook}, which never mentions it"
        if headings:
            assert h.section in headings, (h.notebook, h.section, headings)


def test_text_of_every_lecture_is_searched():
    """泄漏 appears in the text (not the headings) of lecture 02 ("leaky integrator, 泄漏积分器"):
    every lecture whose markdown says 泄漏 is among the hits, naming the section of that text."""
    says = {}
    for nb in sorted((REPO / "lectures").glob("*.ipynb")):
        sections = {p.section for p in notebook_passages(nb) if "泄漏" in p.text}
        if sections:
            says[f"lectures/{nb.name}"] = sections
    assert says, "no lecture mentions 泄漏 any more: pick another word for this test"
    hits = lookup("泄漏", limit=30)
    assert hits[0].concept == "lif"  # the glossary concept first
    found = {h.notebook: h for h in hits}
    for notebook, sections in says.items():
        assert notebook in found, f"lookup 泄漏 misses {notebook}"
        assert found[notebook].section in sections | {h.text for h in notebook_headings(REPO / notebook)}


def test_existing_notebooks_are_indexed_and_checkpoints_are_not():
    """Every notebook in lectures/ is indexed; JupyterLab's checkpoint copies never are."""
    real = build_index()
    for nb in sorted((REPO / "lectures").glob("*.ipynb")):
        assert f"lectures/{nb.name}" in real.notebooks_present
        assert {h.text for h in notebook_headings(nb)} <= {h.text for h in real.headings}
    assert not any(".ipynb_checkpoints" in h.notebook or "-checkpoint" in h.notebook for h in real.headings)


# ----------------------------------------------------------------------------- a small course of our own


def _notebook(path, cells_markdown):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": src} for src in cells_markdown]
    cells.append({"cell_type": "code", "metadata": {}, "source": "# a comment, not a heading\nx = 'cable'\n",
                  "outputs": [], "execution_count": None})
    cells.append({"cell_type": "markdown", "metadata": {},
                  "source": "```\n# in a fence\ncable theory in a fence\n```\n#### too deep\n"})
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")


@pytest.fixture
def course(tmp_path):
    """A copy of the course with two lecture notebooks written and one recording filled in."""
    text = (REPO / "schedule.yaml").read_text(encoding="utf-8")
    start, end = text.index("id: d2-am"), text.index("- id: d2-pm")
    block = text[start:end].replace(
        'recording: {url: "", chapters: []}',
        'recording:\n      url: "https://www.youtube.com/watch?v=abc"\n      chapters:\n'
        '        - {time: "00:00:00", title: 课程介绍}\n        - {time: "00:41:10", title: 门控变量 m h n}')
    (tmp_path / "schedule.yaml").write_text(text[:start] + block + text[end:], encoding="utf-8")
    (tmp_path / "lectures").mkdir()
    _notebook(tmp_path / "lectures" / "03_hodgkin_huxley_theory.ipynb", [
        "# The Hodgkin–Huxley model\nSome text.\n",
        "## Ion channels and the equivalent circuit\nThe membrane is a **capacitor** in parallel with\n"
        "conductances; each ion has its own battery.\n\nA second paragraph about the "
        "*squid giant axon* and its $\\alpha_n(V)$ rates.\n",
        "## Gating variables\nSome text.\n### The temperature factor Q10\nSome text.\n",
        "## Stimulation\nA passive membrane is a leaky integrator (泄漏积分器) below threshold; the\n"
        "membrane **time constant** sets how fast it charges.\n",
    ])
    _notebook(tmp_path / "lectures" / "99_extra.ipynb", [
        "# Appendix: dendritic cable theory\nCable theory (电缆理论) describes passive dendrites.\n",
        "## Numbers\nThe length constant is about a millimetre. The membrane time constant again.\n",
    ])
    return tmp_path


def test_headings_and_passages_of_a_notebook(course):
    nb = course / "lectures" / "03_hodgkin_huxley_theory.ipynb"
    hs = notebook_headings(nb)
    assert [(h.level, h.text) for h in hs] == [
        (1, "The Hodgkin–Huxley model"), (2, "Ion channels and the equivalent circuit"),
        (2, "Gating variables"), (3, "The temperature factor Q10"), (2, "Stimulation")]
    assert hs[0].notebook == "lectures/03_hodgkin_huxley_theory.ipynb"
    ps = notebook_passages(nb)
    by_section = {}
    for p in ps:
        by_section.setdefault(p.section, []).append(p.text)
    assert by_section["Ion channels and the equivalent circuit"] == [
        "The membrane is a capacitor in parallel with conductances; each ion has its own battery.",
        "A second paragraph about the squid giant axon and its alpha_n(V) rates."]  # markup removed
    assert by_section["The temperature factor Q10"] == ["Some text."]
    texts = " ".join(p.text for p in ps)
    assert "in a fence" not in texts and "a comment" not in texts and "too deep" in texts


def test_existing_notebook_named_in_schedule_is_indexed(course):
    index = build_index(course / "schedule.yaml")
    assert "lectures/03_hodgkin_huxley_theory.ipynb" in index.notebooks_present
    hit = top("gating", schedule=course / "schedule.yaml")
    assert hit.session.id == "d2-am" and hit.notebook_exists
    assert hit.section == "Gating variables"
    assert hit.chapter.time == "00:41:10" and hit.recording_url == "https://www.youtube.com/watch?v=abc&t=2470"
    assert "00:41:10" in str(hit) and "§ Gating variables" in str(hit)
    # a heading found by itself, in a notebook the schedule does not name
    cable = top("cable theory", schedule=course / "schedule.yaml")
    assert (cable.kind, cable.section, cable.session) == ("section", "Appendix: dendritic cable theory", None)


def test_text_is_found_and_names_its_section(course):
    sched = course / "schedule.yaml"
    # English, in the text only: the hit names the section the paragraph is in
    hits = lookup("capacitor", schedule=sched)
    assert [(h.kind, h.notebook, h.section) for h in hits] == [
        ("text", "lectures/03_hodgkin_huxley_theory.ipynb", "Ion channels and the equivalent circuit")]
    assert hits[0].session.id == "d2-am" and "capacitor" in hits[0].matched
    assert "(text: " in str(hits[0])
    # Chinese inside an English paragraph, with no spaces around it
    hit = [h for h in lookup("泄漏积分", schedule=sched, limit=20) if h.kind == "text"][0]
    assert (hit.notebook, hit.section) == ("lectures/03_hodgkin_huxley_theory.ipynb", "Stimulation")
    assert top("电缆", schedule=sched).section == "Appendix: dendritic cable theory"
    # words in another order, and a typo
    for query in ("battery own", "own batery"):
        hit = top(query, schedule=sched)
        assert (hit.kind, hit.section) == ("text", "Ion channels and the equivalent circuit"), query
    # emphasis does not hide words (the paragraph says **capacitor**; LaTeX: see the passages test)
    assert top("a capacitor in parallel", schedule=sched).kind == "text"
    # code cells and fenced code are not text
    assert not [h for h in lookup("in a fence", schedule=sched) if h.kind == "text"]


def test_ranking_concept_then_heading_then_text(course):
    sched = course / "schedule.yaml"
    # "cable theory": a heading of 99_extra and a paragraph of it: one hit, the heading's
    hits = lookup("cable theory", schedule=sched)
    assert [h.kind for h in hits] == ["section"]
    # text in two notebooks: one hit each (its best paragraph); the glossary's "time constant"
    # (of the gates) needs a typo-tolerant word match and is dropped next to the exact phrase
    hits = lookup("membrane time constant", schedule=sched, limit=20)
    assert hits[0].kind == "concept" and hits[0].concept == "input_resistance"  # a glossary entry of its own
    assert sorted((h.kind, h.notebook, h.section) for h in hits if h.kind == "text") == [
        ("text", "lectures/03_hodgkin_huxley_theory.ipynb", "Stimulation"),
        ("text", "lectures/99_extra.ipynb", "Numbers")]
    # a concept outranks text that says the same
    hits = lookup("leaky integrator", schedule=sched, limit=20)
    assert hits[0].kind == "concept" and hits[0].concept == "lif"
    text = [h for h in hits if h.notebook == "lectures/03_hodgkin_huxley_theory.ipynb"]
    assert text and text[0].score < hits[0].score


def test_short_and_single_character_queries_do_not_match_every_paragraph(course):
    sched = course / "schedule.yaml"
    assert not [h for h in lookup("the", schedule=sched) if h.kind == "text"]  # only as a whole word ...
    assert not [h for h in lookup("emb", schedule=sched) if h.kind == "text"]  # ... never inside one
    assert not [h for h in lookup("泄", schedule=sched) if h.kind == "text"]  # one Chinese character


def test_checkpoints_and_broken_notebooks_do_not_break_lookup(course):
    lectures = course / "lectures"
    checkpoints = lectures / ".ipynb_checkpoints"
    checkpoints.mkdir()
    _notebook(checkpoints / "03_hodgkin_huxley_theory-checkpoint.ipynb", ["# Checkpoint only heading\n"])
    (lectures / "05_simplified_neurons_theory.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.warns(UserWarning, match="05_simplified_neurons_theory.ipynb"):
        index = build_index(course / "schedule.yaml")
    assert top("gating", index=index).section == "Gating variables"
    assert "lectures/05_simplified_neurons_theory.ipynb" not in index.notebooks_present
    assert not lookup("Checkpoint only heading", index=index, min_score=0.9)


def test_assignment_state_follows_the_tree(course):
    sched = course / "schedule.yaml"
    assert top("gating", schedule=sched).assignment_state == "not written yet"
    (course / "solutions" / "hodgkin_huxley").mkdir(parents=True)
    (course / "solutions" / "hodgkin_huxley" / "hodgkin_huxley.ipynb").write_text("{}")
    assert top("gating", schedule=sched).assignment_state == "not released yet"
    (course / "assignments" / "hodgkin_huxley").mkdir(parents=True)
    (course / "assignments" / "hodgkin_huxley" / "hodgkin_huxley.ipynb").write_text("{}")
    hit = top("gating", schedule=sched)
    assert hit.assignment_state == "released" and "assignment hodgkin_huxley\n" in str(hit) + "\n"


# ----------------------------------------------------------------------------- the command


def test_cli_lookup(capsys):
    assert main(["lookup", "Mg", "block", "-n", "1"]) == 0
    out = capsys.readouterr().out
    assert "NMDA" in out and "d4-am" in out and "from coursekit.synapses import NMDA, mg_block" in out
    assert main(["lookup", "bump", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["concept"] == "cann" and data[0]["session"]["teacher"] == "褚天昊"
    assert data[0]["functions"][0] == {"path": "coursekit.networks.attractors.CANN1D", "exists": True,
                                       "status": "available", "planned_module": None, "planned_sessions": []}


def test_cli_lookup_no_match_and_bad_input(tmp_path, capsys):
    assert main(["lookup", "xyzzy"]) == 1
    assert "no matches for 'xyzzy'" in capsys.readouterr().err
    assert main(["lookup", "LIF", "-n", "0"]) == 2
    assert "--limit must be >= 1" in capsys.readouterr().err
    bad = tmp_path / "schedule.yaml"
    bad.write_text((REPO / "schedule.yaml").read_text(encoding="utf-8").replace("kind: lab", "kind: labb", 1),
                   encoding="utf-8")
    assert main(["lookup", "LIF", "--file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "session 'd1-pm' field 'kind'" in err and len(err.strip().splitlines()) == 1


def test_cli_lookup_on_a_copy_of_the_course(tmp_path, capsys):
    """--file on a copy: its own lectures/ are searched (what a fork or a class server does)."""
    shutil.copy2(REPO / "schedule.yaml", tmp_path / "schedule.yaml")
    (tmp_path / "lectures").mkdir()
    _notebook(tmp_path / "lectures" / "01_introduction.ipynb", ["## Unusualword section\nSome text.\n"])
    assert main(["lookup", "unusualword", "--file", str(tmp_path / "schedule.yaml")]) == 0
    out = capsys.readouterr().out
    assert "lectures/01_introduction.ipynb  § Unusualword section" in out and "d1-am" in out