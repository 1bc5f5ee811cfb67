"""Recorded lectures: subtitles and chapters in, schedule.yaml and a transcript out, search over what was said.

The sample subtitles and chapters (``recordings/samples/``, written for the course
kit) are imported into a *copy* of schedule.yaml in a temporary folder: the real
sessions never get made-up URLs.  Expected times are read off the sample files'
own timing lines; expected links follow each host's documented ``t=`` convention.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from coursekit.cli import main
from coursekit.course.recordings import (
    RecordingFileError,
    Segment,
    add_recording,
    format_time,
    parse_chapters,
    parse_srt,
    parse_webvtt,
    read_chapters,
    read_subtitles,
    read_transcript,
    segments_from_cues,
    set_recording,
    transcript_path,
)
from coursekit.course.schedule import Chapter, Recording, load_schedule, timestamp_url

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "recordings" / "samples"
ZH_SRT, ZH_CHAPTERS = SAMPLES / "d3-am.zh.srt", SAMPLES / "d3-am.chapters.txt"
EN_VTT, EN_CHAPTERS = SAMPLES / "d2-am.en.vtt", SAMPLES / "d2-am.chapters.txt"
BILIBILI = "https://www.bilibili.com/video/BV1sample?p=1"
YOUTUBE = "https://www.youtube.com/watch?v=sample-d2am"


@pytest.fixture
def course(tmp_path):
    """A copy of schedule.yaml (every recording empty) in a folder of its own."""
    shutil.copy2(REPO / "schedule.yaml", tmp_path / "schedule.yaml")
    return tmp_path


def _cue_start(path: Path, text: str) -> int:
    """Whole seconds of the timing line right above the first cue that contains ``text``, read from the file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(k for k, ln in enumerate(lines) if text in ln)
    h, m, s = re.match(r"(\d+):(\d\d):(\d\d)", lines[i - 1]).groups()
    return 3600 * int(h) + 60 * int(m) + int(s)


# ----------------------------------------------------------------------------- parsing


def test_samples_parse_and_are_marked_as_samples():
    zh, en = read_subtitles(ZH_SRT), read_subtitles(EN_VTT)
    assert "SAMPLE" in zh[0].text and "SAMPLE" in EN_VTT.read_text(encoding="utf-8").splitlines()[0]
    assert "SAMPLE" in (SAMPLES / "README.md").read_text(encoding="utf-8")
    # tags and character references are gone, the text is kept
    assert not any("<" in c.text or "&amp;" in c.text for c in zh + en)
    assert en[0].text.startswith("Good morning")
    # the times are the files' own
    lif = next(c for c in zh if c.text.startswith("今天的主角"))
    assert lif.text == "今天的主角是泄漏整合发放模型，" and int(lif.start) == _cue_start(ZH_SRT, "今天的主角") == 42
    clamp = next(c for c in en if "voltage clamp" in c.text)
    assert int(clamp.start) == _cue_start(EN_VTT, "The key technique is the voltage clamp") == 113


def test_cues_join_into_sentences():
    segs = segments_from_cues(read_subtitles(ZH_SRT))
    # a sentence a speech-to-text tool split at a comma is one sentence again, at its first cue's time
    s = [x for x in segs if x.text.startswith("今天的主角")][0]
    assert s == Segment(42, "今天的主角是泄漏整合发放模型，英文叫 leaky integrate-and-fire，简称 LIF。")
    segs = segments_from_cues(read_subtitles(EN_VTT))
    s = [x for x in segs if x.text.startswith("In 1952")][0]
    assert s.text.endswith("travels along the axon.") and s.seconds == _cue_start(EN_VTT, "In 1952") == 10
    # a pause ends a sentence even without a full stop, and long unpunctuated speech is cut
    cues = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nfirst part\n\n"
                     "2\n00:00:09,000 --> 00:00:10,000\nafter a pause\n", "x.srt")
    assert [s.seconds for s in segments_from_cues(cues)] == [1, 9]
    long = "".join(f"{k + 1}\n00:00:{k:02d},000 --> 00:00:{k:02d},900\n{'word ' * 10}\n\n" for k in range(30))
    assert all(len(s.text) < 260 for s in segments_from_cues(parse_srt(long, "long.srt")))


def test_chapter_lists():
    chapters = read_chapters(ZH_CHAPTERS)  # MM:SS as in a video description
    assert chapters[1] == Chapter("00:00:42", "泄漏整合发放模型（LIF）") and chapters[1].seconds == 42
    assert [c.time for c in read_chapters(EN_CHAPTERS)] == ["00:00:00", "00:00:52", "00:01:50", "00:02:46"]
    text = "(0:00) Intro\n\n# a comment\n1:02:03 - Late part\n12:30 | not allowed after 1:02:03\n"
    with pytest.raises(RecordingFileError, match=r"line 5: 00:12:30 is not after the previous chapter \(01:02:03\)"):
        parse_chapters(text, "ch.txt")
    assert parse_chapters(text.rsplit("\n", 2)[0], "ch.txt") == (Chapter("00:00:00", "Intro"),
                                                                  Chapter("01:02:03", "Late part"))


def test_chapters_from_a_webvtt_chapter_track(tmp_path):
    track = tmp_path / "chapters.vtt"
    track.write_text("WEBVTT\n\nch1\n00:00:00.000 --> 00:00:52.000\nIntroduction\n\n"
                     "ch2\n00:00:52.000 --> 00:01:50.000\nThe membrane as a circuit\n", encoding="utf-8")
    assert read_chapters(track) == (Chapter("00:00:00", "Introduction"), Chapter("00:00:52", "The membrane as a circuit"))


# ----------------------------------------------------------------------------- malformed files


BAD_FILES = [
    ("a.vtt", "WEBVT\n\n00:00:01.000 --> 00:00:02.000\nhi\n", "a.vtt line 1: a WebVTT file starts with 'WEBVTT'"),
    ("a.vtt", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nok\n\n2\n00:00:03.5 --> 00:00:04.000\nbad\n",
     "a.vtt line 8: expected a cue timing 'HH:MM:SS.mmm --> HH:MM:SS.mmm' (or MM:SS.mmm), got '00:00:03.5 --> "),
    ("a.vtt", "WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nbackwards\n", "a.vtt line 3: the cue ends (0:04) before it"),
    ("a.vtt", "WEBVTT\n\nNOTE ok\n\n00:01:00.000 --> 00:01:02.000\nx\n\n00:00:30.000 --> 00:00:31.000\ny\n",
     "a.vtt line 8: the cue starts at 0:30, before the previous cue (1:00)"),
    ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\nok\n\n00:00:03,000 --> 00:00:04,000\nno number\n",
     "a.srt line 5: the cue has no number before its timing line"),
    ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03 -> 00:00:04\nbad arrow\n",
     "a.srt line 6: expected a cue timing 'HH:MM:SS,mmm --> HH:MM:SS,mmm', got '00:00:03 -> 00:00:04'"),
    ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\nok\n\nzwei\n00:00:03,000 --> 00:00:04,000\nx\n",
     "a.srt line 5: expected a cue number, got 'zwei'"),
    ("ch.txt", "00:00:00 Intro\n00:01:75 Bad seconds\n", "ch.txt line 2: minutes and seconds must be below 60"),
    ("ch.txt", "00:00:00 Intro\n\n00:61:00 Bad minutes\n", "ch.txt line 3: minutes and seconds must be below 60"),
    ("ch.txt", "00:00:00 Intro\nIntro again at 0:10\n", "ch.txt line 2: expected 'HH:MM:SS title' (or 'MM:SS title'), "
                                                         "got 'Intro again at 0:10'"),
    ("ch.txt", "00:00:00 Intro\n00:05:00\n", "ch.txt line 2: the chapter at 00:05:00 has no title"),
    ("ch.txt", "0:00 Intro\n0:00 Again\n", "ch.txt line 2: 00:00:00 is not after the previous chapter (00:00:00)"),
]


@pytest.mark.parametrize("name, text, message", BAD_FILES, ids=[f"{n}:{m.split(':')[1][:24]}" for n, _, m in BAD_FILES])
def test_malformed_files_are_rejected_naming_the_line(course, name, text, message):
    bad = course / name
    bad.write_text(text, encoding="utf-8")
    before = (course / "schedule.yaml").read_bytes()
    kind = "chapters" if name.endswith(".txt") else "subtitles"
    with pytest.raises(RecordingFileError) as info:
        add_recording("d3-am", BILIBILI, schedule=course / "schedule.yaml", **{kind: bad})
    assert str(info.value).startswith(message), str(info.value)
    assert (course / "schedule.yaml").read_bytes() == before and not (course / "recordings").exists()


def test_not_utf8_and_wrong_suffix(tmp_path):
    gbk = tmp_path / "gbk.srt"
    gbk.write_bytes("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 --> 00:00:04,000\n".encode()
                    + "泄漏电流\n".encode("gbk"))
    with pytest.raises(RecordingFileError, match=r"gbk.srt line 7: not UTF-8 text .*iconv"):
        read_subtitles(gbk)
    (tmp_path / "a.ass").write_text("[Script Info]\n", encoding="utf-8")
    with pytest.raises(RecordingFileError, match=r"must be WebVTT \(.vtt\) or SubRip \(.srt\), got '.ass'"):
        read_subtitles(tmp_path / "a.ass")
    with pytest.raises(FileNotFoundError):
        read_subtitles(tmp_path / "missing.vtt")


def test_bad_url_session_and_foreign_chapters(course):
    sched = course / "schedule.yaml"
    with pytest.raises(ValueError, match="--url: expected an http"):
        add_recording("d3-am", "www.bilibili.com/video/x", schedule=sched)
    with pytest.raises(ValueError, match=r"unknown session id 'd3-pn' \(did you mean 'd3-pm'\?\)"):
        add_recording("d3-pn", BILIBILI, schedule=sched)
    late = course / "late.txt"
    late.write_text("0:00 Intro\n1:30:00 Summary\n", encoding="utf-8")
    with pytest.raises(ValueError, match="chapter 01:30:00 'Summary' starts more than 10 min after the last subtitle"):
        add_recording("d3-am", BILIBILI, chapters=late, subtitles=ZH_SRT, schedule=sched)
    assert not (course / "recordings").exists()


# ----------------------------------------------------------------------------- import round trip


def test_import_round_trip_changes_only_the_recording_field(course, capsys):
    sched = course / "schedule.yaml"
    before = sched.read_text(encoding="utf-8")
    assert main(["recordings", "add", "d3-am", "--url", BILIBILI, "--chapters", str(ZH_CHAPTERS),
                 "--subtitles", str(ZH_SRT), "--file", str(sched)]) == 0
    out = capsys.readouterr().out
    assert "4 chapter(s)" in out and "zh" in out and f"{BILIBILI}&t=42" in out
    after = sched.read_text(encoding="utf-8")
    # the one-line field became a block; every other line (comments included) is unchanged
    old_lines, new_lines = before.splitlines(), after.splitlines()
    i = next(k for k, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b)
    assert old_lines[i] == '    recording: {url: "", chapters: []}' and old_lines[:i] == new_lines[:i]
    assert old_lines[i + 1:] == new_lines[i + 3 + 4:]  # 3 lines of field + 4 chapters
    assert new_lines[i:i + 3] == ["    recording:", f'      url: "{BILIBILI}"', "      chapters:"]
    s = load_schedule(sched).session("d3-am")
    assert s.recording == Recording(BILIBILI, read_chapters(ZH_CHAPTERS))
    # the transcript beside the schedule holds the sentences, with the files' times
    t = read_transcript(transcript_path(course, "d3-am"))
    assert (t.session, t.language, t.source) == ("d3-am", "zh", "d3-am.zh.srt")
    assert list(t.segments) == segments_from_cues(read_subtitles(ZH_SRT))
    assert transcript_path(course, "d3-am") == course / "recordings" / "d3-am.json"
    assert len(json.loads((course / "recordings" / "d3-am.json").read_text(encoding="utf-8"))["segments"]) == len(
        t.segments)

    # again with another URL and no chapter file: the chapters stay, the block is rewritten in place
    add_recording("d3-am", "https://www.youtube.com/watch?v=other", schedule=sched)
    s = load_schedule(sched).session("d3-am")
    assert s.recording.url.endswith("v=other") and s.recording.chapters == read_chapters(ZH_CHAPTERS)
    assert len(sched.read_text(encoding="utf-8").splitlines()) == len(new_lines)
    # the English session, from WebVTT
    add_recording("d2-am", YOUTUBE, chapters=EN_CHAPTERS, subtitles=EN_VTT, schedule=sched)
    assert read_transcript(transcript_path(course, "d2-am")).language == "en"
    assert load_schedule(sched).session("d3-am").recording.url.endswith("v=other")  # untouched


def test_set_recording_keeps_comments_line_ends_and_adds_a_missing_field():
    text = ("sessions:\n  # a comment\n  - id: a1   # trailing comment\n    title: x\n"
            "    recording:\n      url: \"\"\n      # a comment inside\n      chapters: []\n\n"
            "    notes: keep me\n\n  # next\n  - id: b1\n    title: y\n")
    out = set_recording(text, "a1", "https://v.example/a", [Chapter("00:01:00", 'say "hi": 你好')])
    assert out == ("sessions:\n  # a comment\n  - id: a1   # trailing comment\n    title: x\n"
                   "    recording:\n      url: \"https://v.example/a\"\n      chapters:\n"
                   "        - {time: \"00:01:00\", title: \"say \\\"hi\\\": 你好\"}\n\n"
                   "    notes: keep me\n\n  # next\n  - id: b1\n    title: y\n")
    out = set_recording(text.replace("\n", "\r\n"), "b1", "https://v.example/b", [])
    assert out.endswith("  - id: b1\r\n    title: y\r\n    recording: {url: \"https://v.example/b\", chapters: []}\r\n")
    with pytest.raises(KeyError):
        set_recording(text, "c1", "https://v.example/c", [])


# ----------------------------------------------------------------------------- links


@pytest.mark.parametrize("url, expected", [
    # YouTube: ?t= seconds on watch and short links; the embed player takes ?start=
    ("https://www.youtube.com/watch?v=abc", "https://www.youtube.com/watch?v=abc&t=750"),
    ("https://youtu.be/abc?si=x", "https://youtu.be/abc?si=x&t=750"),
    ("https://www.youtube.com/watch?v=abc&t=12", "https://www.youtube.com/watch?v=abc&t=750"),
    ("https://www.youtube.com/embed/abc", "https://www.youtube.com/embed/abc?start=750"),
    # bilibili: ?t= seconds, the part p= kept
    ("https://www.bilibili.com/video/BV1xx?p=3", "https://www.bilibili.com/video/BV1xx?p=3&t=750"),
    ("https://b23.tv/abcd", "https://b23.tv/abcd?t=750"),
    # Vimeo: #t=<seconds>s
    ("https://vimeo.com/123456", "https://vimeo.com/123456#t=750s"),
    # a media file: the W3C media fragment #t=
    ("https://course.example.org/video/d3-am.mp4", "https://course.example.org/video/d3-am.mp4#t=750"),
    # a host without a convention: the plain URL
    ("https://meeting.example.com/rec/share/xyz", "https://meeting.example.com/rec/share/xyz"),
    # a look-alike host is not YouTube
    ("https://notyoutube.com/watch?v=abc", "https://notyoutube.com/watch?v=abc"),
])
def test_timestamps_to_links(url, expected):
    assert timestamp_url(url, 750.9) == expected  # 12:30.9 -> whole seconds, rounded down
    assert Recording(url).url_at(750) == expected
    assert Recording(url).url_at(Chapter("00:12:30", "x")) == expected


def test_time_formats_and_chapter_at():
    assert [format_time(s) for s in (0, 59.9, 750, 3723)] == ["0:00", "0:59", "12:30", "1:02:03"]
    rec = Recording(BILIBILI, read_chapters(ZH_CHAPTERS))
    assert rec.chapter_at(10).time == "00:00:00" and rec.chapter_at(42).time == "00:00:42"
    assert rec.chapter_at(170).title == "膜时间常数、阈值与不应期"
    assert Recording(BILIBILI, (Chapter("00:01:00", "late"),)).chapter_at(30) is None


# ----------------------------------------------------------------------------- search over what was said


def _notebook(path: Path, cells) -> None:
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": c} for c in cells],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A copy of the course with both sample recordings imported and a d3-am notebook whose
    headings carry chapter markers."""
    root = tmp_path_factory.mktemp("recorded")
    shutil.copy2(REPO / "schedule.yaml", root / "schedule.yaml")
    add_recording("d3-am", BILIBILI, chapters=ZH_CHAPTERS, subtitles=ZH_SRT, schedule=root / "schedule.yaml")
    add_recording("d2-am", YOUTUBE, chapters=EN_CHAPTERS, subtitles=EN_VTT, schedule=root / "schedule.yaml")
    (root / "lectures").mkdir()
    _notebook(root / "lectures" / "05_simplified_neurons_theory.ipynb", [
        "# Simplified neuron models\nOne variable instead of four.\n",
        "## The leaky integrate-and-fire model\n\n▶ 0:42\n\nThe membrane potential integrates its input.\n",
        "## Membrane time constant, threshold and refractoriness\n▶ 1:55\nTau is R times C.\n",
        "## Phase plane analysis\n▶ 2:58\nTwo variables: draw the nullclines.\n",
    ])
    return root


def _said(hits, session):
    """The hits of ``session`` that carry a sentence of its recording."""
    return [h for h in hits if h.session is not None and h.session.id == session and h.said]


def test_markers_are_read_and_are_not_text(recorded):
    from coursekit.course.lookup import build_index, notebook_headings, notebook_passages

    nb = recorded / "lectures" / "05_simplified_neurons_theory.ipynb"
    assert [(h.text, h.chapter_at) for h in notebook_headings(nb)] == [
        ("Simplified neuron models", None), ("The leaky integrate-and-fire model", 42),
        ("Membrane time constant, threshold and refractoriness", 115), ("Phase plane analysis", 178)]
    assert not any("▶" in p.text for p in notebook_passages(nb))
    index = build_index(recorded / "schedule.yaml")
    assert index.section_at("lectures/05_simplified_neurons_theory.ipynb", 130) == (
        "Membrane time constant, threshold and refractoriness")
    assert index.section_at("lectures/05_simplified_neurons_theory.ipynb", 10) is None
    assert len(index.said) == len(read_transcript(recorded / "recordings" / "d3-am.json").segments) + len(
        read_transcript(recorded / "recordings" / "d2-am.json").segments)


def test_leak_finds_the_chinese_lecture_and_the_english_one(recorded):
    from coursekit.course.lookup import lookup

    hits = lookup("leak", schedule=recorded / "schedule.yaml", limit=20)
    zh = _said(hits, "d3-am")[0]
    # the glossary's LIF concept (leaky integrator) carries its Chinese name into the Chinese transcript
    assert zh.concept == "lif" and "泄漏整合发放模型" in zh.said
    assert zh.said_at == _cue_start(ZH_SRT, "今天的主角") and zh.recording_url == f"{BILIBILI}&t=42"
    assert zh.chapter.title == "泄漏整合发放模型（LIF）" and zh.section == "The leaky integrate-and-fire model"
    en = _said(hits, "d2-am")[0]  # the English lecture says "leak" itself
    assert "leak" in en.said and en.recording_url == f"{YOUTUBE}&t={en.said_at}"
    assert en.said_at == _cue_start(EN_VTT, "and a small leak branch") - 5  # the sentence starts a cue earlier
    # Chinese query, English sentence: 漏电流 is a glossary name of the concept whose English name is said
    hit = _said(lookup("漏电流", schedule=recorded / "schedule.yaml", limit=20), "d2-am")[0]
    assert "leak current" in hit.said and hit.said_at == _cue_start(EN_VTT, "The leak current is passive")
    # ... and the Chinese sentence that says it itself
    hit = _said(lookup("漏电流", schedule=recorded / "schedule.yaml", limit=20), "d3-am")[0]
    assert hit.said.endswith("也就是漏电流。") and hit.kind == "subtitle"


def test_typos_in_what_was_said(recorded):
    from coursekit.course.lookup import lookup

    sched = recorded / "schedule.yaml"
    hits = lookup("Plymuth", schedule=sched)  # only the recording says it
    assert [(h.kind, h.session.id) for h in hits] == [("subtitle", "d2-am")]
    assert "Plymouth" in hits[0].said and hits[0].said_at == _cue_start(EN_VTT, "They did the experiments") == 18
    hit = _said(lookup("泄露整合发放", schedule=sched), "d3-am")[0]  # 露 for 漏
    assert hit.said_at == 42
    hit = _said(lookup("volatge clamp", schedule=sched), "d2-am")[0]
    assert hit.said == "The key technique is the voltage clamp." and hit.said_at == 113
    # in the sentences themselves a short query is a whole word, and a single Chinese character matches none
    from coursekit.course.lookup import build_index

    said = build_index(sched).said
    assert said.match("leak") and not said.match("lea") and said.match("泄漏") and not said.match("泄")


def test_section_and_minute_come_back_together(recorded):
    from coursekit.course.lookup import lookup

    hits = lookup("零斜线", schedule=recorded / "schedule.yaml", limit=20)
    d3 = [h for h in hits if h.session is not None and h.session.id == "d3-am"]
    assert len(d3) == 1  # one hit: the concept, its notebook section and the minute it is said
    hit = d3[0]
    assert hit.concept == "nullcline" and hit.section == "Phase plane analysis"
    assert hit.said == "有两个变量，我们就可以画相平面，画出两条零斜线。"
    assert hit.said_at >= 178 and hit.chapter.title == "相平面分析与二维模型"
    text = str(hit)
    assert f"▶ {format_time(hit.said_at)}" in text and "§ Phase plane analysis" in text
    data = hit.as_dict()
    assert data["said"] == {"seconds": hit.said_at, "time": format_time(hit.said_at), "sentence": hit.said,
                            "url": f"{BILIBILI}&t={hit.said_at}"}
    assert data["timestamp"] == format_time(hit.said_at)
    assert f"&amp;t={hit.said_at}" in hit._repr_html_() and "▶" in hit._repr_html_()


def test_cli_lookup_prints_what_was_said(recorded, capsys):
    assert main(["lookup", "Plymuth", "--file", str(recorded / "schedule.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["kind"] == "subtitle" and data[0]["session"]["id"] == "d2-am"
    assert data[0]["said"]["url"] == f"{YOUTUBE}&t=18" and "Plymouth" in data[0]["said"]["sentence"]


def test_a_broken_transcript_is_skipped_with_a_warning(recorded, tmp_path):
    from coursekit.course.lookup import build_index

    root = tmp_path / "c"
    shutil.copytree(recorded, root)
    (root / "recordings" / "d9-zz.json").write_text('{"format": "coursekit-transcript 1", "session": "d9-zz", '
                                                     '"segments": []}', encoding="utf-8")
    (root / "recordings" / "d2-pm.json").write_text("{not json", encoding="utf-8")
    with pytest.warns(UserWarning) as record:
        index = build_index(root / "schedule.yaml")
    messages = " ".join(str(w.message) for w in record)
    assert "d9-zz.json: session 'd9-zz' is not in the schedule" in messages and "d2-pm.json line 1" in messages
    assert len(index.said) > 0
