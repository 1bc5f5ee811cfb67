"""Lecture recordings: subtitles, chapters, and what the lecturer said at which minute.

``coursekit recordings add SESSION --url URL [--chapters FILE] [--subtitles FILE]``
(:func:`add_recording`) does three things:

* reads the subtitles (WebVTT ``.vtt`` or SubRip ``.srt``, Chinese or English, as
  video sites export them or a speech-to-text tool writes them), joins the
  cues into sentences and stores them as a **transcript** beside the schedule,
  ``recordings/<session>.json`` (a committed course asset, like the schedule:
  one ``[seconds, "sentence"]`` pair a line, so that a corrected sentence is a
  one-line diff);
* reads the chapters: a plain list of ``HH:MM:SS title`` lines (the format video
  sites use in a description; ``MM:SS`` and ``H:MM:SS`` are accepted too), or a
  WebVTT/SRT chapter track whose cues are the chapter titles;
* writes the URL and chapters into the session's ``recording`` field of
  ``schedule.yaml``, changing only that field's lines: every comment, the order
  of the fields and the layout of the rest of the file stay as they were.

Every malformed file is rejected before anything is written, with an error
that names the file and line: ``lecture.srt line 14: expected a cue timing
'HH:MM:SS,mmm --> HH:MM:SS,mmm', got '00:01:02 -> 00:01:05'``.

A transcript is searched by :func:`coursekit.lookup` together with the
glossary, the schedule and the notebooks; a hit names the session, the time,
the sentence and a link that opens the video there
(:func:`coursekit.course.schedule.timestamp_url` lists the hosts' ``t=``
conventions).

Chinese text is matched by character bigrams (see :mod:`coursekit.course.subtitles` and
:mod:`coursekit.course.matching`),
not by a word segmenter such as jieba: bigram postings, verified by substring
containment, find every occurrence of a term however the surrounding sentence
would be segmented (jieba splits domain terms such as 泄漏整合发放 differently
depending on context, and a word it splits wrongly cannot be found), they need
no dictionary to load (jieba's takes about a second on first use) and no new
dependency.

Only PyYAML (through the schedule) and the standard library are imported.
"""
from __future__ import annotations

import dataclasses
import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .schedule import (
    Chapter,
    Schedule,
    ScheduleError,
    load_schedule,
    parse_schedule,
    timestamp_url,
)

__all__ = [
    "Cue",
    "RecordingFileError",
    "Segment",
    "Transcript",
    "add_recording",
    "format_time",
    "load_transcripts",
    "parse_chapters",
    "parse_srt",
    "parse_webvtt",
    "read_chapters",
    "read_subtitles",
    "read_transcript",
    "segments_from_cues",
    "set_recording",
    "timestamp_url",
    "transcript_path",
    "write_transcript",
]

#: Where transcripts live, relative to the directory that holds schedule.yaml.
TRANSCRIPT_DIR = "recordings"
TRANSCRIPT_FORMAT = "coursekit-transcript 1"

SUBTITLE_SUFFIXES = (".vtt", ".srt")
CHAPTER_SUFFIXES = (".txt", ".vtt", ".srt")


class RecordingFileError(ValueError):
    """A subtitle, chapter or transcript file is malformed; the message names the file and line.

    Attributes
    ----------
    path : str
        The file's name.
    line : int or None
        1-based line number of the problem.
    """

    def __init__(self, path, line, message):
        self.path = str(path)
        self.line = line
        where = f"{Path(self.path).name} line {line}" if line else Path(self.path).name
        super().__init__(f"{where}: {message}")


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Cue:
    """One subtitle cue: shown from ``start`` to ``end`` (seconds), with its text and first line."""

    start: float
    end: float
    text: str
    line: int = 0


@dataclass(frozen=True)
class Segment:
    """A sentence of a transcript and the second it starts at."""

    seconds: int
    text: str


@dataclass(frozen=True)
class Transcript:
    """What was said in one session's recording, sentence by sentence."""

    session: str
    language: str  # "zh" or "en": the language most of the text is in
    segments: tuple[Segment, ...]
    source: str = ""
    path: Path | None = None

    @property
    def duration(self) -> int:
        """Start of the last sentence, in seconds (0 if empty)."""
        return self.segments[-1].seconds if self.segments else 0


def format_time(seconds: float) -> str:
    """``750`` -> ``"12:30"``, ``3723`` -> ``"1:02:03"`` (the form video players show)."""
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _hhmmss(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


# ----------------------------------------------------------------------------- reading files


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RecordingFileError(
            path, line, "not UTF-8 text (subtitles in GBK/GB18030 can be converted with "
                        "`iconv -f GB18030 -t UTF-8`)") from None


# WebVTT: hours optional (at least two digits when present), milliseconds required
_VTT_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TIMING_RE = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t]+.*)?$")
# SRT: HH:MM:SS,mmm (a '.' for the ',' is accepted: some tools write it)
_SRT_TIME = r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{1,3})"
_SRT_TIMING_RE = re.compile(rf"^{_SRT_TIME}[ \t]+-->[ \t]+{_SRT_TIME}(?:[ \t]+.*)?$")
_TAG_RE = re.compile(r"<[^>\n]*>|\{\\[^}\n]*\}")  # <i>, <v Speaker>, <00:01.000>, {\an8}


def _seconds(h, m, s, ms) -> float:
    return 3600 * int(h or 0) + 60 * int(m) + int(s) + int(ms.ljust(3, "0")) / 1000


def _cue_text(lines) -> str:
    text = " ".join(_TAG_RE.sub("", ln).strip() for ln in lines)
    text = html.unescape(text).replace("\u200e", "").replace("\u200f", "").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).strip()


def _blocks(text: str):
    """(first line number, lines) of each blank-line separated block."""
    block, start = [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _check_order(path, cues, cue):
    if cue.end <= cue.start:
        raise RecordingFileError(path, cue.line, f"the cue ends ({format_time(cue.end)}) "
                                                 f"before it starts ({format_time(cue.start)})")
    if cues and cue.start < cues[-1].start:
        raise RecordingFileError(path, cue.line, f"the cue starts at {format_time(cue.start)}, before the "
                                                 f"previous cue ({format_time(cues[-1].start)})")


def parse_webvtt(text: str, path: str | os.PathLike = "<webvtt>") -> list[Cue]:
    """Parse a WebVTT file (W3C WebVTT: the ``WEBVTT`` line, cues, ``NOTE``/``STYLE``/``REGION`` blocks).

    Cue settings, voice and class tags and karaoke timestamps are dropped;
    character references (``&amp;``) are decoded.  Cues without text are skipped.

    Raises
    ------
    RecordingFileError
        Naming the line: no ``WEBVTT`` signature, a malformed timing line, a cue
        that ends before it starts or starts before the previous one.
    """
    lines = text.splitlines()
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0].lstrip("\ufeff")):
        got = lines[0][:40] if lines else ""
        raise RecordingFileError(path, 1, f"a WebVTT file starts with 'WEBVTT', got {got!r}")
    cues: list[Cue] = []
    for k, (start, block) in enumerate(_blocks(text)):
        if k == 0:  # the header block (WEBVTT and optional header lines)
            continue
        if re.match(r"^(NOTE|STYLE|REGION)(?:[ \t]|$)", block[0]):
            continue
        i = 0 if "-->" in block[0] else 1  # an optional cue identifier
        if i >= len(block):
            raise RecordingFileError(path, start, f"a cue identifier {block[0]!r} without a timing line "
                                                  "'HH:MM:SS.mmm --> HH:MM:SS.mmm'")
        m = _VTT_TIMING_RE.match(block[i].strip())
        if not m:
            raise RecordingFileError(path, start + i, "expected a cue timing 'HH:MM:SS.mmm --> HH:MM:SS.mmm' "
                                                      f"(or MM:SS.mmm), got {block[i].strip()!r}")
        cue = Cue(_seconds(*m.group(1, 2, 3, 4)), _seconds(*m.group(5, 6, 7, 8)), _cue_text(block[i + 1:]),
                  start + i)
        _check_order(path, cues, cue)
        if cue.text:
            cues.append(cue)
    return cues


def parse_srt(text: str, path: str | os.PathLike = "<srt>") -> list[Cue]:
    """Parse a SubRip (``.srt``) file: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, text lines.

    Formatting tags (``<i>``, ``<font ...>``, ``{\\an8}``) are dropped.

    Raises
    ------
    RecordingFileError
        Naming the line: a missing cue number, a malformed timing line, a cue
        that ends before it starts or starts before the previous one.
    """
    cues: list[Cue] = []
    for start, block in _blocks(text):
        head = block[0].strip().lstrip("\ufeff")
        if not head.isdigit():
            if "-->" in head:
                raise RecordingFileError(path, start, f"the cue has no number before its timing line {head!r}")
            raise RecordingFileError(path, start, f"expected a cue number, got {head!r}")
        if len(block) < 2:
            raise RecordingFileError(path, start, f"cue {head} has no timing line")
        m = _SRT_TIMING_RE.match(block[1].strip())
        if not m:
            raise RecordingFileError(path, start + 1, "expected a cue timing 'HH:MM:SS,mmm --> HH:MM:SS,mmm', "
                                                      f"got {block[1].strip()!r}")
        cue = Cue(_seconds(*m.group(1, 2, 3, 4)), _seconds(*m.group(5, 6, 7, 8)), _cue_text(block[2:]), start + 1)
        _check_order(path, cues, cue)
        if cue.text:
            cues.append(cue)
    return cues


def read_subtitles(path: str | os.PathLike) -> list[Cue]:
    """The cues of a ``.vtt`` or ``.srt`` file (chosen by the suffix).

    Raises
    ------
    RecordingFileError
        If the suffix is neither, the file is not UTF-8, or it is malformed (naming the line).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUBTITLE_SUFFIXES:
        raise RecordingFileError(path, None, f"subtitles must be WebVTT (.vtt) or SubRip (.srt), got {suffix!r}")
    if not path.is_file():
        raise FileNotFoundError(f"subtitle file not found: {path}")
    text = _read_text(path)
    cues = parse_webvtt(text, path) if suffix == ".vtt" else parse_srt(text, path)
    if not cues:
        raise RecordingFileError(path, None, "no cues with text")
    return cues


_CHAPTER_RE = re.compile(r"^[(\[]?(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[)\]]?(?=\s|$|[-–—|])\s*(?:[-–—|]\s*)?(.*)$")


def parse_chapters(text: str, path: str | os.PathLike = "<chapters>") -> tuple[Chapter, ...]:
    """Parse a chapter list: one ``HH:MM:SS title`` a line, in order.

    ``MM:SS``/``H:MM:SS`` (as video sites write descriptions), brackets around the
    time and a ``-`` after it are accepted.  Blank lines and ``#`` comments are skipped.

    Raises
    ------
    RecordingFileError
        Naming the line: no time at the start, minutes or seconds >= 60, no
        title, or a time that is not after the previous chapter's.
    """
    chapters: list[Chapter] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        m = _CHAPTER_RE.match(line)
        if not m:
            raise RecordingFileError(path, number, f"expected 'HH:MM:SS title' (or 'MM:SS title'), got {line!r}")
        h, mi, s, title = m.groups()
        if h is not None and int(mi) >= 60 or int(s) >= 60:
            raise RecordingFileError(path, number, f"minutes and seconds must be below 60, got {line.split()[0]!r}")
        title = title.strip()
        if not title:
            raise RecordingFileError(path, number, f"the chapter at {line.split()[0]} has no title")
        seconds = 3600 * int(h or 0) + 60 * int(mi) + int(s)
        if chapters and seconds <= chapters[-1].seconds:
            raise RecordingFileError(path, number, f"{_hhmmss(seconds)} is not after the previous chapter "
                                                   f"({chapters[-1].time})")
        chapters.append(Chapter(_hhmmss(seconds), title))
    if not chapters:
        raise RecordingFileError(path, None, "no chapters")
    return tuple(chapters)


def read_chapters(path: str | os.PathLike) -> tuple[Chapter, ...]:
    """Chapters from a ``HH:MM:SS title`` list (``.txt``, or any other suffix), or from
    a WebVTT/SRT chapter track (each cue's start and text are a chapter)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"chapter file not found: {path}")
    if path.suffix.lower() in SUBTITLE_SUFFIXES:
        cues = read_subtitles(path)
        chapters: list[Chapter] = []
        for cue in cues:
            seconds = int(cue.start)
            if chapters and seconds <= chapters[-1].seconds:
                raise RecordingFileError(path, cue.line, f"chapter {cue.text!r} does not start after the "
                                                         f"previous one ({chapters[-1].time})")
            chapters.append(Chapter(_hhmmss(seconds), cue.text))
        return tuple(chapters)
    return parse_chapters(_read_text(path), path)


# ----------------------------------------------------------------------------- sentences


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


_SENTENCE_END = tuple("。！？!?…；") + (".", "。）")
MAX_GAP_S = 2.0  # a pause this long ends a sentence
MAX_LATIN_CHARS, MAX_CJK_CHARS = 200, 90  # about 15 s of speech in either language


def _wide(ch: str) -> bool:
    return _is_cjk(ch) or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


def _join(a: str, b: str) -> str:
    if not a:
        return b
    return a + b if _wide(a[-1]) and _wide(b[0]) else a + " " + b


def segments_from_cues(cues) -> list[Segment]:
    """Cues joined into sentences, each starting at its first cue (whole seconds).

    A sentence ends at final punctuation (``。！？.!?``), at a pause of more than
    :data:`MAX_GAP_S` seconds, or when it grows past about 15 s of speech (long
    unpunctuated speech-to-text output).  Chinese cues are joined without a
    space, English ones with one.
    """
    out: list[Segment] = []
    text, start, last_end = "", 0.0, None
    for cue in cues:
        if text and last_end is not None and cue.start - last_end > MAX_GAP_S:
            out.append(Segment(int(start), text))
            text = ""
        if not text:
            start = cue.start
        text = _join(text, cue.text)
        last_end = cue.end
        limit = MAX_CJK_CHARS if sum(map(_is_cjk, text)) > len(text) / 3 else MAX_LATIN_CHARS
        if text.endswith(_SENTENCE_END) or len(text) >= limit:
            out.append(Segment(int(start), text))
            text = ""
    if text:
        out.append(Segment(int(start), text))
    return out


def _language(segments) -> str:
    cjk = sum(sum(map(_is_cjk, s.text)) for s in segments)
    latin = sum(sum(c.isascii() and c.isalpha() for c in s.text) for s in segments)
    # a Chinese character carries about a word, an English word about five letters
    return "zh" if cjk * 5 >= latin else "en"


# ----------------------------------------------------------------------------- transcripts


def transcript_path(root: str | os.PathLike, session_id: str) -> Path:
    """``<root>/recordings/<session>.json``: where a session's transcript lives."""
    return Path(root) / TRANSCRIPT_DIR / f"{session_id}.json"


def write_transcript(path: str | os.PathLike, transcript: Transcript) -> Path:
    """Write a transcript as JSON, one ``[seconds, "sentence"]`` a line (readable diffs)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {"format": TRANSCRIPT_FORMAT, "session": transcript.session, "language": transcript.language,
            "source": transcript.source}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "segments": [']
    body = [json.dumps([s.seconds, s.text], ensure_ascii=False) for s in transcript.segments]
    lines.append(",\n".join(body))
    lines.append("]}")
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_transcript(path: str | os.PathLike) -> Transcript:
    """Load a transcript written by :func:`write_transcript`.

    Raises
    ------
    RecordingFileError
        If it is not one (naming the line of a JSON syntax error).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RecordingFileError(path, exc.lineno, f"not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("format") != TRANSCRIPT_FORMAT:
        raise RecordingFileError(path, None, f"not a transcript (expected format {TRANSCRIPT_FORMAT!r})")
    segments = []
    for k, item in enumerate(data.get("segments") or []):
        if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], int)
                or not isinstance(item[1], str)):
            raise RecordingFileError(path, k + 2, f"segment {k}: expected [seconds, \"text\"], got {item!r}")
        segments.append(Segment(item[0], item[1]))
    return Transcript(str(data.get("session", path.stem)), str(data.get("language", "")), tuple(segments),
                      str(data.get("source", "")), path)


def load_transcripts(root: str | os.PathLike | None, schedule: Schedule | None = None) -> list[Transcript]:
    """Every transcript in ``<root>/recordings/`` (not in its subfolders, e.g. ``samples/``).

    With ``schedule``, a transcript of a session the schedule does not have is an error.
    """
    if root is None:
        return []
    folder = Path(root) / TRANSCRIPT_DIR
    if not folder.is_dir():
        return []
    out = [read_transcript(p) for p in sorted(folder.glob("*.json"))]
    if schedule is not None:
        ids = {s.id for s in schedule.sessions}
        for t in out:
            if t.session not in ids:
                raise RecordingFileError(t.path, None, f"transcript of session {t.session!r}, which "
                                                       "schedule.yaml does not have")
    return out


# ----------------------------------------------------------------------------- schedule.yaml


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def recording_yaml(url: str, chapters, indent: int) -> list[str]:
    """The ``recording:`` field as YAML lines at ``indent`` spaces (no line ends)."""
    pad = " " * indent
    if not chapters:
        return [f"{pad}recording: {{url: {_yaml_str(url)}, chapters: []}}"]
    out = [f"{pad}recording:", f"{pad}  url: {_yaml_str(url)}", f"{pad}  chapters:"]
    out += [f"{pad}    - {{time: \"{ch.time}\", title: {_yaml_str(ch.title)}}}" for ch in chapters]
    return out


def set_recording(text: str, session_id: str, url: str, chapters) -> str:
    """``schedule.yaml``'s text with the ``recording`` field of one session replaced.

    Only that field's lines change (a missing field is added after the
    session's last field); comments, other sessions and the layout stay as
    they are.  The line ending of the file is kept.

    Raises
    ------
    KeyError
        If no session block ``- id: <session_id>`` is found.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    head = re.compile(rf"^(\s*)- id:\s*(['\"]?){re.escape(session_id)}\2\s*(#.*)?$")
    begin = next((i for i, ln in enumerate(lines) if head.match(ln)), None)
    if begin is None:
        raise KeyError(f"session {session_id!r} not found in the schedule's text")
    field_indent = len(head.match(lines[begin]).group(1)) + 2

    def indent(ln):
        return len(ln) - len(ln.lstrip(" "))

    # the session's block: up to the next line at or left of the list's dash column
    end = begin + 1
    last_field = begin
    while end < len(lines):
        ln = lines[end]
        if ln.strip() and not ln.lstrip().startswith("#") and indent(ln) < field_indent:
            break
        if ln.strip() and not ln.lstrip().startswith("#"):
            last_field = end
        end += 1
    new = recording_yaml(url, chapters, field_indent)
    field_re = re.compile(rf"^ {{{field_indent}}}recording\s*:")
    start = next((i for i in range(begin + 1, end) if field_re.match(lines[i])), None)
    if start is None:
        lines[last_field + 1:last_field + 1] = new
    else:
        stop = start + 1  # the field's continuation lines: more indented (or blank inside it)
        while stop <= last_field and (not lines[stop].strip() or indent(lines[stop]) > field_indent):
            stop += 1
        while stop > start + 1 and not lines[stop - 1].strip():  # blank lines after the field stay
            stop -= 1
        lines[start:stop] = new
    return newline.join(lines) + (newline if text.endswith(("\n", "\r")) else "")


@dataclass(frozen=True)
class AddedRecording:
    """What :func:`add_recording` wrote."""

    session: str
    url: str
    chapters: tuple[Chapter, ...]
    schedule_path: Path
    transcript: Transcript | None = None

    def __str__(self) -> str:
        lines = [f"{self.session}: recording {self.url}", f"  schedule  {self.schedule_path} "
                                                          f"({len(self.chapters)} chapter(s))"]
        for ch in self.chapters:
            lines.append(f"    {ch.time}  {ch.title}  {timestamp_url(self.url, ch.seconds)}")
        t = self.transcript
        if t is not None:
            lines.append(f"  transcript {t.path} ({len(t.segments)} sentences, {t.language}, "
                         f"up to {format_time(t.duration)})")
        return "\n".join(lines)


_URL_RE = re.compile(r"^https?://[^\s/]+\S*$")


def add_recording(session_id: str, url: str, *, chapters: str | os.PathLike | None = None,
                  subtitles: str | os.PathLike | None = None,
                  schedule: str | os.PathLike | None = None) -> AddedRecording:
    """Import a session's recording: URL and chapters into schedule.yaml, subtitles into a transcript.

    Parameters
    ----------
    session_id : str
        A session of the schedule, e.g. ``"d3-am"``.
    url : str
        The video's http(s) URL.
    chapters : path, optional
        ``HH:MM:SS title`` list, or a ``.vtt``/``.srt`` chapter track.  Without it the
        session keeps the chapters it has.
    subtitles : path, optional
        ``.vtt`` or ``.srt`` subtitles; stored as ``recordings/<session>.json`` beside
        the schedule (replacing an earlier transcript of the session).
    schedule : path, optional
        The schedule file (default: the course's ``schedule.yaml``).

    Raises
    ------
    ValueError
        A bad URL, an unknown session, or a malformed file (:class:`RecordingFileError`,
        naming the line).  Nothing is written then.
    """
    sched = load_schedule(schedule)
    session = sched.session(session_id)
    if not isinstance(url, str) or not _URL_RE.match(url.strip()):
        raise ValueError(f"--url: expected an http(s) URL of the video, got {url!r}")
    url = url.strip()
    new_chapters = read_chapters(chapters) if chapters is not None else session.recording.chapters
    transcript = None
    if subtitles is not None:
        segments = segments_from_cues(read_subtitles(subtitles))
        transcript = Transcript(session.id, _language(segments), tuple(segments), Path(subtitles).name)
    if new_chapters and transcript is not None and transcript.segments:
        # a chapter list of another video is the likely mistake; the end of the speech bounds it
        last = transcript.segments[-1].seconds
        late = [ch for ch in new_chapters if ch.seconds > last + 600]
        if late:
            raise ValueError(f"--chapters: chapter {late[0].time} {late[0].title!r} starts more than 10 min "
                             f"after the last subtitle ({_hhmmss(last)}): chapters of another video?")

    path = sched.path
    text = path.read_text(encoding="utf-8")
    new_text = set_recording(text, session.id, url, new_chapters)
    import yaml  # the schedule module already imported it

    try:
        checked = parse_schedule(yaml.safe_load(new_text), path=path)
    except (ScheduleError, yaml.YAMLError) as exc:  # pragma: no cover - set_recording writes valid YAML
        raise ValueError(f"the updated schedule would not be valid ({exc}); nothing written") from None
    got = checked.session(session.id).recording
    if got.url != url or got.chapters != tuple(new_chapters):  # pragma: no cover - a layout we cannot edit
        raise ValueError(f"could not rewrite session {session.id!r}'s recording field in {path.name}; "
                         "nothing written")
    if transcript is not None:
        out = transcript_path(path.parent, session.id)
        write_transcript(out, transcript)
        transcript = dataclasses.replace(transcript, path=out)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new_text, encoding="utf-8", newline="")
    os.replace(tmp, path)
    return AddedRecording(session.id, url, tuple(new_chapters), path, transcript)
