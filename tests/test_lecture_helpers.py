"""Lecture helpers: the header comes from schedule.yaml, not from the notebook."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coursekit.course.lecture import course_map, erratum, header
from coursekit.course.schedule import UnknownSessionError, load_schedule

ROOT = Path(__file__).resolve().parents[1]


def modified_schedule(tmp_path, *replacements):
    text = (ROOT / "schedule.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "schedule.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_header_of_the_real_schedule():
    h = header("d2-am")
    s = load_schedule().session("d2-am")
    text = str(h)
    for piece in (s.title_zh, s.title_en, s.teacher, "2025-08-18", "10:00–12:00", "Beijing time",
                  "recording not yet available", "Hodgkin-Huxley", "乌贼巨轴突",
                  "look up: `coursekit lookup Hodgkin-Huxley`"):
        assert piece in text, piece
    assert "Mon" in text and "周一" in text
    for rendered in (h._repr_html_(), h._repr_markdown_()):
        assert "陈啸宇" in rendered and "recording not yet available" in rendered
        assert "coursekit lookup Hodgkin-Huxley" in rendered


def test_header_follows_a_modified_schedule_via_env(tmp_path, monkeypatch):
    path = modified_schedule(
        tmp_path,
        ("teacher: 陈啸宇", "teacher: 某老师"),
        ('start: "10:00"\n    end: "12:00"\n    kind: lecture\n    title: {zh: Hodgkin-Huxley',
         'start: "09:30"\n    end: "11:45"\n    kind: lecture\n    title: {zh: Hodgkin-Huxley'),
        ("keywords:\n      zh: [HH 模型", "keywords:\n      zh: [霍奇金"),
        ("en: [Hodgkin-Huxley, HH model", "en: [squid axon model, HH model"),
    )
    monkeypatch.setenv("COURSEKIT_SCHEDULE", str(path))
    text = str(header("d2-am"))
    assert "某老师" in text and "陈啸宇" not in text
    assert "09:30–11:45" in text
    assert "霍奇金" in text
    # a keyword with a space is quoted for the shell
    assert 'look up: `coursekit lookup "squid axon model"`' in text


def test_header_with_recording_and_chapters(tmp_path):
    path = modified_schedule(
        tmp_path,
        ('notebook: lectures/03_hodgkin_huxley_theory.ipynb\n    assignment: hodgkin_huxley\n'
         '    recording: {url: "", chapters: []}',
         'notebook: lectures/03_hodgkin_huxley_theory.ipynb\n    assignment: hodgkin_huxley\n'
         '    recording:\n      url: "https://www.bilibili.com/video/BV1xx"\n      chapters:\n'
         '        - {time: "00:00:00", title: "Equivalent circuit"}\n'
         '        - {time: "00:41:05", title: "Gating variables"}'),
    )
    h = header("d2-am", schedule=path)
    text = str(h)
    assert "recording not yet available" not in text
    assert "https://www.bilibili.com/video/BV1xx" in text
    assert "00:41:05  Gating variables" in text
    html = h._repr_html_()
    assert "t=2465" in html  # chapter link starts playback at 41 min 5 s
    assert "Equivalent circuit" in h._repr_markdown_()


def test_header_unknown_session_suggests():
    with pytest.raises(UnknownSessionError, match="unknown session id 'd2-an'.*did you mean"):
        header("d2-an")


def test_header_escapes_html(tmp_path):
    path = modified_schedule(tmp_path, ("teacher: 陈啸宇", "teacher: \"<b>x</b>\""))
    html = header("d2-am", schedule=path)._repr_html_()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_erratum_box():
    box = erratum("$\\beta_x$", "$\\beta_x x$", "a rate times an occupancy")
    for rendered in (str(box), box._repr_markdown_(), box._repr_html_()):
        assert "$\\beta_x x$" in rendered and "a rate times an occupancy" in rendered
        assert "Erratum" in rendered
    with pytest.raises(ValueError, match="why"):
        erratum("a", "b", " ")


def test_course_map_lists_notebook_sessions_in_order():
    cm = course_map(highlight="d2-am")
    ids = [r[0] for r in cm.rows()]
    assert ids[:4] == ["d1-am", "d1-pm", "d2-am", "d2-pm"]
    assert all(r[6].startswith("lectures/") for r in cm.rows())
    assert "▶ 2025-08-18" in str(cm)
    assert "lectures/04_hodgkin_huxley_programming.ipynb" in cm._repr_markdown_()
    with pytest.raises(UnknownSessionError):
        course_map(highlight="nope")


def test_lecture_module_is_light():
    code = ("import sys, coursekit.course.lecture as m; m.header('d1-am');"
            "bad = [k for k in ('matplotlib', 'numba', 'scipy') if k in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    # coursekit/__init__ may bring numba and scipy (not our business here);
    # the lecture helpers must never pull in matplotlib
    assert "matplotlib" not in out.stdout


# ------------------------------------------------------------------------------- format v2 helpers

def test_erratum_renders_markdown_but_keeps_math_and_escapes_html():
    box = erratum("$a < b$ with the **exponent** 3", "*n*⁴ and `code<`", "x < y")._repr_html_()
    assert "<b>exponent</b>" in box and "**" not in box
    assert "<i>n</i>" in box and "<code>code&lt;</code>" in box
    assert "$a &lt; b$" in box and "x &lt; y" in box  # MathJax reads the text, so < is escaped in HTML


def test_course_map_says_which_notebooks_are_not_written():
    m = course_map()
    text = str(m)
    assert "lectures/01_introduction.ipynb" in text
    written = set(m.written())
    assert "d1-am" in written
    for s in m.sessions:
        line = next(ln for ln in text.splitlines() if f" {s.id} " in ln)
        assert ("not written yet" in line.split(s.title_en)[-1].split("[")[0]) == (s.id not in written), line


def test_key_terms_come_from_the_glossary():
    from coursekit.course.lecture import key_terms
    from coursekit.course.lookup import load_glossary

    terms = key_terms("d2-am")
    expected = [c for c in load_glossary() if "d2-am" in c.sessions]
    assert len(terms) == len(expected) > 3
    assert [r[1] for r in terms.rows] == [c.en for c in expected]
    html = terms._repr_html_()
    assert "中文" in html and expected[0].zh in html and "<code>coursekit." in html
    with pytest.raises(UnknownSessionError):
        key_terms("d99-am")


def test_check_exercise_reports_and_never_raises_unless_strict(monkeypatch):
    from coursekit.course.exercises import check_exercise, check_exercise_value

    monkeypatch.delenv("COURSEKIT_EXERCISES_STRICT", raising=False)

    def todo(x):
        raise NotImplementedError("fill me in")

    def wrong(x):
        return x + 1.0

    def crashes(x):
        return 1.0 / 0.0

    ref = lambda x: 2.0 * x  # noqa: E731
    r = check_exercise(todo, ref, [dict(x=1.0)])
    assert not r and not r.attempted and "not attempted yet" in str(r)
    r = check_exercise(wrong, ref, [dict(x=1.0), dict(x=2.0)], labels=["one", "two"])
    assert not r and r.attempted and "✓ one" in str(r) and "✗ two: expected 4" in str(r)
    r = check_exercise(crashes, ref, [dict(x=1.0)])
    assert not r and "ZeroDivisionError" in str(r)
    assert check_exercise(lambda x: 2 * x, ref, [dict(x=np.array([1.0, 2.0]))])
    assert not check_exercise_value("k", None, 3.0) and check_exercise_value("k", 3.0, 3.0)
    monkeypatch.setenv("COURSEKIT_EXERCISES_STRICT", "1")
    with pytest.raises(AssertionError, match="not attempted"):
        check_exercise(todo, ref, [dict(x=1.0)])
    with pytest.raises(AssertionError, match="differ"):
        check_exercise(wrong, ref, [dict(x=2.0)])
    assert check_exercise(lambda x: 2 * x, ref, [dict(x=3.0)])


def test_check_exercise_compares_text_dicts_and_mixed_sequences(monkeypatch):
    from coursekit.course.exercises import check_exercise, check_exercise_value

    monkeypatch.delenv("COURSEKIT_EXERCISES_STRICT", raising=False)
    ref = lambda q: (q.upper(), 2.0)  # noqa: E731
    assert check_exercise(lambda q: (q.upper(), 2.0 + 1e-12), ref, [dict(q="d4-am")])
    r = check_exercise(lambda q: (q, 2.0), ref, [dict(q="d4-am")])
    assert not r and "item 0: expected 'D4-AM', got 'd4-am'" in str(r)
    r = check_exercise(lambda q: (q.upper(),), ref, [dict(q="x")])
    assert not r and "expected 2 values" in str(r)
    r = check_exercise(lambda q: {"rate": 3.0}, lambda q: {"rate": 4.0}, [dict(q=1)])
    assert not r and "['rate']: expected 4" in str(r)
    # an array of the wrong shape fails even where broadcasting would make allclose pass
    r = check_exercise(lambda n: np.ones(n), lambda n: np.ones((n, 1)), [dict(n=3)])
    assert not r and "shape" in str(r)
    r = check_exercise(lambda x: np.nan, lambda x: 1.0, [dict(x=0)])
    assert not r and "NaN" in str(r)
    assert check_exercise_value("teacher", "吴思", "吴思")
    assert not check_exercise_value("teacher", "someone", "吴思")
    assert not check_exercise_value("rate", ..., 3.0).attempted
    assert check_exercise_value("rate", 3.0 + 2e-6, 3.0, 1e-6, 1e-5)   # rtol, atol positional


def test_time_functions_reports_and_never_raises():
    from coursekit.course.exercises import time_functions

    def todo(n):
        raise NotImplementedError

    def broken(n):
        raise IndexError("index 5 is out of bounds")

    t = time_functions({"sum": lambda n: sum(range(n)), "todo": todo, "broken": broken}, dict(n=1000), repeat=2)
    text = str(t)
    assert set(t.best) == {"sum"} and t.best["sum"] > 0
    assert "todo" in text and "not attempted yet" in text and "IndexError: index 5" in text
    assert "1.0x" in text  # the speed-up is relative to the first function that ran
    with pytest.raises(ValueError, match="repeat"):
        time_functions({"sum": sum}, {}, repeat=0)
