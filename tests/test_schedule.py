"""schedule.yaml: the timetable of the course notes, its validation and `coursekit schedule`."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from coursekit.cli import main
from coursekit.course.schedule import (
    BEIJING,
    KINDS,
    ScheduleError,
    UnknownAssignmentError,
    default_schedule_path,
    load_schedule,
)

REPO = Path(__file__).resolve().parents[1]
SCHEDULE = REPO / "schedule.yaml"


@pytest.fixture(scope="module")
def schedule():
    return load_schedule()


def broken_copy(tmp_path, old, new, count=1):
    """schedule.yaml copied to tmp_path with ``old`` replaced by ``new``."""
    text = SCHEDULE.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"fixture text not found: {old!r}"
    path = tmp_path / "schedule.yaml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


D2_AM = 'id: d2-am\n    date: 2025-08-18\n    start: "10:00"\n    end: "12:00"'


# ----------------------------------------------------------------------------- the timetable


def test_default_path_is_repo_root(monkeypatch):
    monkeypatch.delenv("COURSEKIT_SCHEDULE", raising=False)
    assert default_schedule_path() == SCHEDULE


def test_env_var_selects_schedule(tmp_path, monkeypatch):
    path = broken_copy(tmp_path, "teacher: 陈啸宇", "teacher: 某老师")
    monkeypatch.setenv("COURSEKIT_SCHEDULE", str(path))
    assert load_schedule().session("d2-am").teacher == "某老师"


def test_every_day_of_the_notes(schedule):
    days = {d.isoformat() for d in schedule.dates()}
    expected = {f"2025-08-{d}" for d in (17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31)}
    assert days == expected  # Friday 08-22 has no sessions in the notes
    assert schedule.on_date(dt.date(2025, 8, 22)) == []
    assert (schedule.start, schedule.end) == (dt.date(2025, 8, 17), dt.date(2025, 8, 31))


# (date, start, end, kind, teacher, a word of the Chinese title) for every teaching session
WEEKS = [
    ("2025-08-17", "10:00", "10:30", "ceremony", "张天秋", "开课仪式"),
    ("2025-08-17", "10:30", "12:00", "lecture", "吴思", "神经计算建模简介"),
    ("2025-08-17", "15:00", "17:00", "lab", "贺思超", "编程基础"),
    ("2025-08-18", "10:00", "12:00", "lecture", "陈啸宇", "Hodgkin-Huxley 神经元模型"),
    ("2025-08-18", "15:00", "17:00", "lab", "张天秋", "Hodgkin-Huxley 神经元编程实现"),
    ("2025-08-19", "10:00", "12:00", "lecture", "吕沐洋", "简化神经元模型及其动力学分析"),
    ("2025-08-19", "15:00", "17:00", "lab", "王超名", "简化神经元模型编程实现"),
    ("2025-08-20", "10:00", "12:00", "lecture", "王超名", "突触模型及编程"),
    ("2025-08-20", "15:00", "17:00", "lecture", "褚天昊", "可塑性模型及编程"),
    ("2025-08-21", "10:00", "12:00", "frontier_talk", "马雷", "【前沿讲座】"),
    ("2025-08-21", "15:00", "17:00", "frontier_talk", "李松娗", "【前沿讲座】"),
    ("2025-08-23", "10:00", "12:00", "lecture", "刘潇", "抉择网络模型"),
    ("2025-08-23", "15:00", "17:00", "lecture", "邹晓龙", "兴奋抑制平衡网络"),
    ("2025-08-24", "10:00", "12:00", "lecture", "褚天昊", "连续吸引子网络模型及其编程实现（上）"),
    ("2025-08-24", "15:00", "17:00", "lecture", "左峻枫", "连续吸引子网络模型及其编程实现（下）"),
    ("2025-08-25", "10:00", "12:00", "lecture", "董行思", "循环神经网络训练算法"),
    ("2025-08-25", "15:00", "17:00", "lab", "彭相源", "库网络实战"),
    ("2025-08-26", "10:00", "12:00", "frontier_talk", "弭元元", "【前沿讲座】"),
    ("2025-08-26", "15:00", "17:00", "frontier_talk", "陈国璋", "【前沿讲座】"),
    ("2025-08-27", "10:00", "12:00", "lecture", "邹晓龙", "脉冲神经网络训练"),
    ("2025-08-27", "15:00", "17:00", "ceremony", "吴思", "结课仪式"),
]


@pytest.mark.parametrize("date, start, end, kind, teacher, title", WEEKS)
def test_teaching_sessions_as_in_the_notes(schedule, date, start, end, kind, teacher, title):
    found = [s for s in schedule.on_date(dt.date.fromisoformat(date))
             if f"{s.start:%H:%M}" == start and f"{s.end:%H:%M}" == end and s.kind != "qa"]
    assert len(found) == 1, found
    s = found[0]
    assert (s.kind, s.teacher) == (kind, teacher)
    assert title in s.title_zh


def test_qa_evenings(schedule):
    qa = [s for s in schedule.sessions if s.kind == "qa"]
    assert [s.date.day for s in qa] == [17, 18, 19, 20, 23, 24, 25]
    for s in qa:
        assert (f"{s.start:%H:%M}", f"{s.end:%H:%M}", s.teacher, s.title_zh) == ("20:00", "21:00", "教员", "交流答疑")


def test_camp(schedule):
    lab = schedule.session_for_assignment("bpu_lab")
    assert (lab.date, f"{lab.start:%H:%M}-{lab.end:%H:%M}", lab.kind) == (dt.date(2025, 8, 29), "14:00-17:30", "lab")
    assert "类脑计算实战课程" in lab.title_zh and lab.notebook == "lectures/16_bpu_lab.ipynb"
    checkin = schedule.on_date(dt.date(2025, 8, 28))
    assert any("入营报道" in s.title_zh and f"{s.start:%H:%M}-{s.end:%H:%M}" == "12:00-20:00" for s in checkin)
    talks = {s.date.day: s.teacher for s in schedule.sessions if s.kind == "frontier_talk" and s.date.day >= 28}
    assert talks == {29: "李松挺、余肇飞", 30: "罗欢、马征宇"}
    assert sum(s.kind == "exchange" for s in schedule.sessions if s.date.day >= 29) == 3
    visits = [s for s in schedule.on_date(dt.date(2025, 8, 30)) if s.kind == "visit"]
    assert [f"{s.start:%H:%M}-{s.end:%H:%M}" for s in visits] == ["14:00-15:30", "15:30-17:30"]
    closing = schedule.on_date(dt.date(2025, 8, 31))[0]
    assert (closing.kind, closing.title_zh, f"{closing.start:%H:%M}") == ("ceremony", "闭幕式", "09:00")


def test_fields_of_every_session(schedule):
    ids = [s.id for s in schedule.sessions]
    assert len(ids) == len(set(ids))
    for s in schedule.sessions:
        assert s.kind in KINDS
        assert s.start < s.end
        assert s.start_at.utcoffset() == dt.timedelta(hours=8)
        assert s.recording.url == ""  # empty until an instructor fills it in
        if s.notebook:
            assert re.fullmatch(r"lectures/\d\d_[a-z0-9_]+\.ipynb", s.notebook), s.notebook
    notebooks = [s.notebook for s in schedule.sessions if s.notebook]
    assert notebooks[:4] == ["lectures/01_introduction.ipynb", "lectures/02_python_numba_coursekit.ipynb",
                             "lectures/03_hodgkin_huxley_theory.ipynb",
                             "lectures/04_hodgkin_huxley_programming.ipynb"]
    numbers = [int(Path(n).name[:2]) for n in notebooks]
    assert numbers == list(range(1, len(numbers) + 1))  # in course order, none skipped


def test_assignments(schedule):
    ids = schedule.assignment_ids()
    assert len(ids) == len(set(ids))
    assert schedule.session_for_assignment("hodgkin_huxley").id == "d2-am"
    assert all(s.assignment is None for s in schedule.sessions if s.kind in ("qa", "ceremony", "frontier_talk"))
    with pytest.raises(UnknownAssignmentError, match=r"'hodgkin_huxly'.*did you mean 'hodgkin_huxley'"):
        schedule.session_for_assignment("hodgkin_huxly")


def test_now_and_next(schedule):
    now = dt.datetime(2025, 8, 18, 10, 30)  # naive = Beijing time
    assert [s.id for s in schedule.on_now(now)] == ["d2-am"]
    assert [s.id for s in schedule.next_after(now)] == ["d2-pm"]
    utc = dt.datetime(2025, 8, 18, 2, 30, tzinfo=dt.timezone.utc)  # the same instant
    assert [s.id for s in schedule.on_now(utc)] == ["d2-am"]
    friday = dt.datetime(2025, 8, 22, 12, 0, tzinfo=BEIJING)
    assert schedule.on_now(friday) == [] and schedule.next_after(friday)[0].id == "d6-am"
    assert schedule.next_after(dt.datetime(2025, 9, 1)) == []


def test_chapters_and_recording(tmp_path):
    text = SCHEDULE.read_text(encoding="utf-8")
    start, end = text.index("id: d2-am"), text.index("- id: d2-pm")
    block = text[start:end].replace(
        'recording: {url: "", chapters: []}',
        'recording:\n      url: "https://www.bilibili.com/video/BV1xx?p=3"\n'
        '      chapters:\n        - {time: "00:00:00", title: 离子通道}\n'
        '        - {time: "01:02:03", title: 门控变量}')
    path = tmp_path / "schedule.yaml"
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")
    s = load_schedule(path).session("d2-am")
    assert [c.seconds for c in s.recording.chapters] == [0, 3723]
    assert s.recording.url_at(s.recording.chapters[1]) == "https://www.bilibili.com/video/BV1xx?p=3&t=3723"


# ----------------------------------------------------------------------------- bad input


BROKEN = [
    (D2_AM, D2_AM.replace('start: "10:00"', 'start: "25:00"'),
     "session 'd2-am' field 'start': expected HH:MM, got '25:00'"),
    (D2_AM, D2_AM.replace('start: "10:00"', "start: 10:00"),
     "session 'd2-am' field 'start': expected HH:MM, got the number 600 (quote the time in YAML"),
    (D2_AM, D2_AM.replace('end: "12:00"', 'end: "09:00"'),
     "session 'd2-am' field 'end': 09:00 is not after start 10:00"),
    (D2_AM, D2_AM.replace("2025-08-18", "2025-09-18"),
     "session 'd2-am' field 'date': 2025-09-18 is outside the course"),
    (D2_AM, D2_AM.replace("2025-08-18", "18/08/2025"),
     "session 'd2-am' field 'date': expected a date YYYY-MM-DD"),
    ("kind: lecture\n    title: {zh: Hodgkin-Huxley 神经元模型", "kind: seminar\n    title: {zh: Hodgkin-Huxley 神经元模型",
     "session 'd2-am' field 'kind': expected one of lecture, lab"),
    ("notebook: lectures/03_hodgkin_huxley_theory.ipynb", "notebook: ../03_hodgkin_huxley_theory.ipynb",
     "session 'd2-am' field 'notebook': expected a path lectures/NN_name.ipynb"),
    ("assignment: hodgkin_huxley\n", "assignment: Hodgkin Huxley\n",
     "session 'd2-am' field 'assignment': expected an id"),
    ("assignment: hodgkin_huxley\n", "assignment: synapses\n",
     "field 'assignment': 'synapses' is already set by session 'd2-am'"),
    ("teacher: 陈啸宇", "teacher: 陈啸宇\n    teachr: x",
     "session 'd2-am' field 'teachr': unknown field (did you mean 'teacher'?)"),
    ("id: d2-pm", "id: d2-am", "session 'd2-am' field 'id': duplicate id"),
    ("    assignment: bpu_lab\n", "    assignment: bpu_lab\n    planned_code: [bpu]\n",
     "session 'c2-bpu-lab' field 'planned_code': expected a list of coursekit modules"),
    ("title: {zh: Hodgkin-Huxley 神经元模型, en: The Hodgkin–Huxley neuron model}",
     "title: {zh: Hodgkin-Huxley 神经元模型}", "session 'd2-am' field 'title': expected {zh: ..., en: ...}"),
]


@pytest.mark.parametrize("old, new, message", BROKEN)
def test_malformed_session_names_session_and_field(tmp_path, old, new, message):
    path = broken_copy(tmp_path, old, new)
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ScheduleError) as info:
        load_schedule(path)
    assert message in str(info.value)
    assert str(info.value).startswith("schedule.yaml: ")
    assert path.read_text(encoding="utf-8") == before  # nothing lost


def test_malformed_recording(tmp_path):
    text = SCHEDULE.read_text(encoding="utf-8")
    start, end = text.index("id: d3-am"), text.index("- id: d3-pm")
    bad = text[start:end].replace(
        'recording: {url: "", chapters: []}',
        'recording: {url: "ftp://x/y", chapters: [{time: "1:2", title: LIF}, {time: "00:10:00", title: ""}]}')
    path = tmp_path / "schedule.yaml"
    path.write_text(text[:start] + bad + text[end:], encoding="utf-8")
    with pytest.raises(ScheduleError) as info:
        load_schedule(path)
    errors = info.value.errors
    assert "session 'd3-am' field 'recording.url': expected an http(s) URL or empty, got 'ftp://x/y'" in errors
    assert "session 'd3-am' field 'recording.chapters[0].time': expected HH:MM:SS, got '1:2'" in errors
    assert any("'recording.chapters[1].title'" in e for e in errors)
    assert "and 2 more problems" in str(info.value)


def test_yaml_syntax_error_has_line(tmp_path):
    path = broken_copy(tmp_path, "teacher: 陈啸宇", "teacher: [陈啸宇")
    with pytest.raises(ScheduleError, match=r"not valid YAML at line \d+"):
        load_schedule(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="schedule file not found"):
        load_schedule(tmp_path / "nope.yaml")


# ----------------------------------------------------------------------------- the command


def test_cli_schedule_marks_now_and_next(capsys):
    assert main(["schedule", "--now", "2025-08-18T10:30"]) == 0
    out = capsys.readouterr().out
    now_line = next(line for line in out.splitlines() if "NOW" in line)
    next_line = next(line for line in out.splitlines() if "NEXT" in line)
    assert "[d2-am]" in now_line and "陈啸宇" in now_line and "10:00-12:00" in now_line
    assert "[d2-pm]" in next_line
    assert "on now Hodgkin-Huxley 神经元模型 (d2-am, until 12:00)" in out
    for day in ("Sun 2025-08-17", "Thu 2025-08-28", "Sun 2025-08-31"):
        assert day in out


def test_cli_schedule_one_day(capsys):
    assert main(["schedule", "--date", "2025-08-22", "--now", "2025-08-22T09:00+08:00"]) == 0
    out = capsys.readouterr().out
    assert "no sessions on 2025-08-22" in out and "Next: 抉择网络模型及其编程实现 (d6-am)" in out
    assert main(["schedule", "--today", "--now", "2025-08-29T06:30:00Z", "--kind", "lab"]) == 0
    out = capsys.readouterr().out
    assert "NOW" in out and "[c2-bpu-lab]" in out and "[c2-lunch]" not in out


def test_cli_schedule_marks_what_is_not_written(capsys):
    """Each session's notebook, assignment and planned code says whether it exists (read from the tree)."""
    schedule = load_schedule()
    assert main(["schedule", "--now", "2025-08-18T10:30"]) == 0
    out = capsys.readouterr().out
    for s in schedule.sessions:
        if s.notebook:
            written = (REPO / s.notebook).is_file()
            assert (f"{s.notebook} (not written yet)" in out) == (not written), s.notebook
            assert s.notebook in out
        if s.assignment:
            released = any((REPO / "assignments" / s.assignment).glob("*.ipynb"))
            assert (f"assignment {s.assignment} (" in out) == (not released), s.assignment
        for module in s.planned_code:
            assert f"code not written yet: {module}" in out or f", {module}" in out


def test_material_states_in_a_course_of_our_own(tmp_path, capsys):
    shutil.copy2(SCHEDULE, tmp_path / "schedule.yaml")
    (tmp_path / "lectures").mkdir()
    (tmp_path / "lectures" / "03_hodgkin_huxley_theory.ipynb").write_text("{}")
    (tmp_path / "lectures" / ".ipynb_checkpoints").mkdir()  # JupyterLab's, ignored
    for where, assignment in (("assignments", "hodgkin_huxley"), ("solutions", "hodgkin_huxley_programming")):
        (tmp_path / where / assignment).mkdir(parents=True)
        (tmp_path / where / assignment / f"{assignment}.ipynb").write_text("{}")
    schedule = load_schedule(tmp_path / "schedule.yaml")
    d2am, d2pm, d3am = (schedule.session(i) for i in ("d2-am", "d2-pm", "d3-am"))
    assert [schedule.notebook_written(s) for s in (d2am, d2pm)] == [True, False]
    assert schedule.notebook_written(schedule.session("d1-qa")) is None
    assert [schedule.assignment_state(s) for s in (d2am, d2pm, d3am)] == [
        "released", "not released yet", "not written yet"]
    assert schedule.first_lecture().id == "d2-am"  # the first whose notebook exists
    assert main(["schedule", "--date", "2025-08-18", "--file", str(tmp_path / "schedule.yaml"),
                 "--now", "2025-08-18T09:00"]) == 0
    out = capsys.readouterr().out
    assert "lectures/03_hodgkin_huxley_theory.ipynb · assignment hodgkin_huxley\n" in out
    assert ("lectures/04_hodgkin_huxley_programming.ipynb (not written yet) · "
            "assignment hodgkin_huxley_programming (not released yet)") in out


def test_planned_code(tmp_path):
    """A module planned for two sessions (the schedule tells; which real modules are still planned changes)."""
    import re

    text = re.sub(r"\n    planned_code: \[[^\]]*\]", "", SCHEDULE.read_text(encoding="utf-8"))
    for assignment in ("rnn_training", "reservoir_computing"):
        text = text.replace(f"    assignment: {assignment}\n",
                            f"    assignment: {assignment}\n    planned_code: [coursekit.learning.future]\n")
    text = text.replace("    assignment: bpu_lab\n", "    assignment: bpu_lab\n    planned_code: [coursekit.bpu_future]\n")
    (tmp_path / "schedule.yaml").write_text(text, encoding="utf-8")
    schedule = load_schedule(tmp_path / "schedule.yaml")
    assert schedule.session("c2-bpu-lab").planned_code == ("coursekit.bpu_future",)
    assert schedule.session("d10-am").planned_code == ()
    assert schedule.planned_modules() == {"coursekit.learning.future": ("d8-am", "d8-pm"),
                                          "coursekit.bpu_future": ("c2-bpu-lab",)}
    assert schedule.planned_module_of("coursekit.learning.future.RateRNN") == "coursekit.learning.future"
    assert schedule.planned_module_of("coursekit.bpu_future") == "coursekit.bpu_future"
    assert schedule.planned_module_of("coursekit.bpu_futures") is None
    assert schedule.planned_module_of("coursekit.learning.rnn.RateRNN") is None
    assert schedule.planned_module_of("coursekit.neurons.LIF") is None


@pytest.mark.parametrize("now, first_line, also", [
    ("2026-03-01T09:00", "It is 2026-03-01 09:00 Beijing time: the course is over.",
     "It ran from 2025-08-17 to 2025-08-31"),
    ("2025-08-31T18:00", "At 2025-08-31 18:00 Beijing time: nothing on now. The course is over.", "Sun 2025-08-31"),
    ("2025-08-10T09:00", "It is 2025-08-10 09:00 Beijing time: the course has not started yet.",
     "It starts on Sun 2025-08-17 (周日) at 10:00 Beijing time (in 7 days) with 开课仪式 / Opening ceremony"),
    ("2025-08-16T23:00", "the course has not started yet", "(tomorrow)"),
])
def test_cli_schedule_today_outside_the_course(capsys, now, first_line, also):
    """--today before or after the course says so (never an error about --date), and where to start."""
    assert main(["schedule", "--today", "--now", now]) == 0
    out = capsys.readouterr().out
    assert first_line in out and also in out
    first = load_schedule().first_lecture()
    assert f"python -m jupyter lab {first.notebook}" in out and "coursekit lookup" in out


def test_cli_schedule_after_the_course_says_where_to_start(capsys):
    assert main(["schedule", "--now", "2026-01-01T12:00"]) == 0
    out = capsys.readouterr().out
    assert "The course is over." in out and "Where to start:" in out and "coursekit lookup QUERY" in out


def test_cli_schedule_assignment(capsys):
    assert main(["schedule", "--assignment", "cann_2"]) == 0
    assert "[d7-pm]" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["schedule", "--assignment", "hodgkin_huxly"], "unknown assignment id 'hodgkin_huxly'"),
    (["schedule", "--date", "2025-09-10"], "2025-09-10 is outside the course"),
    (["schedule", "--date", "tomorrow"], "--date: expected YYYY-MM-DD"),
    (["schedule", "--now", "noon"], "--now: expected an ISO date-time"),
])
def test_cli_schedule_bad_input(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_cli_malformed_schedule_file(tmp_path, capsys):
    path = broken_copy(tmp_path, D2_AM, D2_AM.replace('start: "10:00"', 'start: "25:00"'))
    assert main(["schedule", "--file", str(path)]) == 2
    captured = capsys.readouterr()
    assert "session 'd2-am' field 'start': expected HH:MM, got '25:00'" in captured.err
    assert captured.out == ""
