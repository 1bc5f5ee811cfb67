"""`coursekit lookup` / coursekit.lookup: concept -> session, notebook section, assignment, function."""
from __future__ import annotations

import json
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
    similarity,
)
from coursekit.course.lookup import _function_exists
from coursekit.course.schedule import load_schedule

REPO = Path(__file__).resolve().parents[1]


def top(query, **kw):
    hits = lookup(query, **kw)
    assert hits, f"no hits for {query!r}"
    return hits[0]


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
])
def test_concepts(query, concept, session):
    hit = top(query)
    assert (hit.kind, hit.concept, hit.session.id) == ("concept", concept, session)


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


def test_hit_fields_and_display():
    hit = top("泄漏")
    s = hit.session
    assert (s.date.isoformat(), f"{s.start:%H:%M}", s.teacher) == ("2025-08-19", "10:00", "吕沐洋")
    assert hit.notebook == "lectures/05_simplified_neurons_theory.ipynb"
    assert hit.assignment == "simplified_neurons"
    assert [f.path for f in hit.functions] == ["coursekit.neurons.LIF"]
    text = str(hit)
    for part in ("2025-08-19 10:00-12:00", "吕沐洋", "lectures/05_simplified_neurons_theory.ipynb",
                 "simplified_neurons", "coursekit.neurons.LIF", "泄漏整合发放模型"):
        assert part in text
    hits = lookup("泄漏", limit=2)
    assert isinstance(hits, Hits) and isinstance(hits, list) and len(hits) == 2
    assert "<table>" in hits._repr_html_() and "吕沐洋" in hit._repr_html_()
    assert str(hits).count("[0.") + str(hits).count("[1.") == 2


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


# ----------------------------------------------------------------------------- glossary


MODELS_OF_THE_NOTES = [
    "hodgkin_huxley", "lif", "qif", "theta_neuron", "expif", "adex", "izhikevich", "fitzhugh_nagumo", "gif",
    "exponential_synapse", "dual_exponential_synapse", "alpha_synapse", "ampa", "gaba", "nmda",
    "short_term_depression", "tsodyks_markram", "stdp", "decision_spiking", "decision_rate", "ei_balance",
    "plastic_feedforward_inhibition", "hopfield", "modern_hopfield", "cann", "cann_sfa", "travelling_wave",
    "rnn", "bptt", "rtrl", "reservoir_computing", "echo_state_network", "echo_state_property",
    "snn_training", "surrogate_gradient", "bpu", "phase_plane", "bifurcation", "fi_curve", "nullcline",
    "fixed_point",
]


def test_glossary_covers_the_notes_and_the_schedule():
    concepts = {c.id: c for c in load_glossary()}
    assert not set(MODELS_OF_THE_NOTES) - set(concepts)
    sessions = {s.id for s in load_schedule().sessions}
    for c in concepts.values():
        assert set(c.sessions) <= sessions, c.id
        assert all(f.startswith("coursekit") for f in c.functions)
    for cid in MODELS_OF_THE_NOTES:
        assert concepts[cid].sessions, cid


def test_glossary_unknown_session_is_an_error(tmp_path):
    text = (REPO / "coursekit/course/glossary.yaml").read_text(encoding="utf-8")
    path = tmp_path / "glossary.yaml"
    path.write_text(text.replace("sessions: [d3-am, d3-pm]", "sessions: [d3-am, d33-pm]", 1), encoding="utf-8")
    with pytest.raises(GlossaryError, match="concept 'lif' field 'sessions': unknown session id 'd33-pm'"):
        build_index(glossary=path)
    path.write_text(text.replace("function: coursekit.neurons.LIF", "function: neurons.LIF"), encoding="utf-8")
    with pytest.raises(GlossaryError, match="concept 'lif' field 'function'"):
        load_glossary(path)


def test_function_exists_without_importing(tmp_path):
    pkg = tmp_path / "coursekit"
    (pkg / "models").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "models" / "__init__.py").write_text("from .lif import LIF as LIF\n__all__ = ['Lazy']\n")
    (pkg / "models" / "lif.py").write_text("import numpy\nclass LIF:\n    pass\n")
    (pkg / "tools.py").write_text("def fi_curve():\n    pass\nCONSTANT = 1\n")
    for path, expected in [
        ("coursekit.models.LIF", True), ("coursekit.models.Lazy", True), ("coursekit.models.lif.LIF", True),
        ("coursekit.models.QIF", False), ("coursekit.tools.fi_curve", True), ("coursekit.tools.CONSTANT", True),
        ("coursekit.tools", True), ("coursekit.missing.Thing", False), ("coursekit.tools.nope", False),
    ]:
        assert _function_exists(path, pkg) is expected, path
    assert function_exists("coursekit.course.lookup.lookup")
    assert not function_exists("coursekit.course.lookup.no_such_function")


def test_import_and_lookup_stay_light():
    """Importing lookup and running it loads nothing heavy beyond what `import coursekit` does."""
    code = (
        "import sys; heavy = ('numpy', 'scipy', 'matplotlib', 'numba');"
        "import coursekit; before = {m for m in heavy if m in sys.modules};"
        "from coursekit.course.lookup import lookup; lookup('LIF'); lookup('CANN');"
        "after = {m for m in heavy if m in sys.modules}; print(sorted(after - before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- notebooks and recordings


def _notebook(path, headings):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": [f"{h}\n", "Some text.\n"]} for h in headings]
    cells.append({"cell_type": "code", "metadata": {}, "source": "# a comment, not a heading\n",
                  "outputs": [], "execution_count": None})
    cells.append({"cell_type": "markdown", "metadata": {}, "source": "```\n# in a fence\n```\n#### too deep\n"})
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")


@pytest.fixture
def course(tmp_path):
    """A copy of the course with one lecture notebook written and one recording filled in."""
    text = (REPO / "schedule.yaml").read_text(encoding="utf-8")
    start, end = text.index("id: d2-am"), text.index("- id: d2-pm")
    block = text[start:end].replace(
        'recording: {url: "", chapters: []}',
        'recording:\n      url: "https://www.youtube.com/watch?v=abc"\n      chapters:\n'
        '        - {time: "00:00:00", title: 课程介绍}\n        - {time: "00:41:10", title: 门控变量 m h n}')
    (tmp_path / "schedule.yaml").write_text(text[:start] + block + text[end:], encoding="utf-8")
    (tmp_path / "lectures").mkdir()
    _notebook(tmp_path / "lectures" / "03_hodgkin_huxley_theory.ipynb",
              ["# The Hodgkin–Huxley model", "## Ion channels and the equivalent circuit",
               "## Gating variables", "### The temperature factor Q10"])
    _notebook(tmp_path / "lectures" / "99_extra.ipynb", ["# Appendix: dendritic cable theory"])
    return tmp_path


def test_headings_of_a_notebook(course):
    hs = notebook_headings(course / "lectures" / "03_hodgkin_huxley_theory.ipynb")
    assert [(h.level, h.text) for h in hs] == [
        (1, "The Hodgkin–Huxley model"), (2, "Ion channels and the equivalent circuit"),
        (2, "Gating variables"), (3, "The temperature factor Q10")]
    assert hs[0].notebook == "lectures/03_hodgkin_huxley_theory.ipynb"


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
    # the real course: every notebook the schedule names that exists is indexed
    real = build_index()
    named = {s.notebook for s in real.schedule.sessions if s.notebook}
    for nb in sorted((REPO / "lectures").glob("*.ipynb")):
        if f"lectures/{nb.name}" in named:
            assert f"lectures/{nb.name}" in real.notebooks_present
            assert {h.text for h in notebook_headings(nb)} <= {h.text for h in real.headings}


def test_broken_notebook_is_skipped_with_a_warning(course):
    (course / "lectures" / "05_simplified_neurons_theory.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.warns(UserWarning, match="05_simplified_neurons_theory.ipynb"):
        index = build_index(course / "schedule.yaml")
    assert top("gating", index=index).section == "Gating variables"


# ----------------------------------------------------------------------------- the command


def test_cli_lookup(capsys):
    assert main(["lookup", "Mg", "block", "-n", "1"]) == 0
    out = capsys.readouterr().out
    assert "NMDA" in out and "d4-am" in out and "coursekit.synapses.NMDA" in out
    assert main(["lookup", "bump", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["concept"] == "cann" and data[0]["session"]["teacher"] == "褚天昊"


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
