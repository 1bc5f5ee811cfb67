"""The course timetable: load and validate ``schedule.yaml``.

``schedule.yaml`` (at the repository root) is the one source for the lecture
index, ``coursekit schedule``, ``coursekit lookup`` and the assignment list.
Every problem is reported as a :class:`ScheduleError` that names the session and
field, e.g. ``session 'd2-am' field 'start': expected HH:MM, got '25:00'``.

All times are Beijing time (Asia/Shanghai, UTC+8; China has no daylight saving
time, so a fixed offset is exact).

Only PyYAML and the standard library are imported here, so the module is cheap
to import from the command line and from notebooks.
"""
from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml

__all__ = [
    "BEIJING",
    "KINDS",
    "NOT_RELEASED",
    "NOT_WRITTEN",
    "RELEASED",
    "Chapter",
    "Recording",
    "Session",
    "Schedule",
    "ScheduleError",
    "UnknownAssignmentError",
    "UnknownSessionError",
    "default_schedule_path",
    "load_schedule",
    "parse_now",
    "timestamp_url",
]

#: Beijing time, the time zone of every time in the schedule.
BEIJING = dt.timezone(dt.timedelta(hours=8), "Beijing")

#: Allowed session kinds, with the label shown by ``coursekit schedule``.
KINDS = {
    "lecture": "lecture",
    "lab": "lab",
    "frontier_talk": "frontier talk",
    "qa": "Q&A",
    "ceremony": "ceremony",
    "exchange": "exchange",
    "visit": "visit",
    "logistics": "logistics",
}

ENV_VAR = "COURSEKIT_SCHEDULE"

# libyaml's loader when PyYAML was built with it (about 10x faster), same safe subset.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ASSIGNMENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_HHMM_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_HHMMSS_RE = re.compile(r"^(\d{2}):([0-5]\d):([0-5]\d)$")
_NOTEBOOK_RE = re.compile(r"^lectures/[A-Za-z0-9_][A-Za-z0-9_.-]*\.ipynb$")
_MODULE_RE = re.compile(r"^coursekit(\.[a-z_][a-z0-9_]*)+$")

#: What ``Schedule.assignment_state`` says about a session's assignment.
RELEASED = "released"
NOT_RELEASED = "not released yet"
NOT_WRITTEN = "not written yet"

_SESSION_FIELDS = {
    "id", "date", "start", "end", "kind", "title", "teacher", "topics", "keywords",
    "notebook", "assignment", "recording", "location", "notes", "planned_code",
}
_REQUIRED_FIELDS = ("id", "date", "start", "end", "kind", "title")


class ScheduleError(ValueError):
    """``schedule.yaml`` is malformed.

    Attributes
    ----------
    errors : list of str
        Every problem found, each naming the session and field.
    path : pathlib.Path or None
        The file that was read.
    """

    def __init__(self, errors, path=None):
        if isinstance(errors, str):
            errors = [errors]
        self.errors = list(errors)
        self.path = Path(path) if path is not None else None
        where = f"{self.path.name}: " if self.path is not None else ""
        msg = where + self.errors[0]
        if len(self.errors) > 1:
            msg += f" (and {len(self.errors) - 1} more problem{'s' if len(self.errors) > 2 else ''}: "
            msg += "; ".join(self.errors[1:4]) + ("; ..." if len(self.errors) > 4 else "") + ")"
        super().__init__(msg)


class UnknownSessionError(ScheduleError):
    """A session id that is not in the schedule."""


class UnknownAssignmentError(ScheduleError):
    """An assignment id that no session of the schedule names."""


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Chapter:
    """One chapter mark of a recording.

    Parameters
    ----------
    time : str
        Offset into the recording, ``HH:MM:SS``.
    title : str
        What is discussed from that point on.
    """

    time: str
    title: str

    @property
    def seconds(self) -> int:
        """Offset into the recording in seconds."""
        h, m, s = (int(x) for x in self.time.split(":"))
        return 3600 * h + 60 * m + s


@dataclass(frozen=True)
class Recording:
    """A session recording: a URL (empty until filled in) and chapter marks.

    ``coursekit recordings add`` fills both in (and stores the subtitles beside
    the schedule, see :mod:`coursekit.course.recordings`).
    """

    url: str = ""
    chapters: tuple[Chapter, ...] = ()

    def url_at(self, where: "Chapter | int | float") -> str:
        """URL that starts playback at ``where`` (a chapter, or seconds into the recording).

        See :func:`timestamp_url` for the hosts that take a start time; other
        hosts get the plain URL.
        """
        seconds = where.seconds if isinstance(where, Chapter) else where
        return timestamp_url(self.url, seconds)

    def chapter_at(self, seconds: float) -> "Chapter | None":
        """The chapter that is playing ``seconds`` into the recording (None before the first)."""
        current = None
        for ch in self.chapters:
            if ch.seconds <= seconds:
                current = ch
            else:
                break
        return current


_YOUTUBE_HOSTS = ("youtube.com", "youtu.be", "youtube-nocookie.com")
_MEDIA_FILE_RE = re.compile(r"\.(mp4|m4v|webm|ogv|ogg|mov|mp3|m4a)$", re.IGNORECASE)


def _host_is(host: str, domains) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def timestamp_url(url: str, seconds: float) -> str:
    """``url`` opened ``seconds`` into the video, by the convention of its host.

    * YouTube (``youtube.com/watch``, ``youtu.be``, ``/live``, ``/shorts``): query
      ``t=<seconds>``; an embed URL (``/embed/ID``) takes ``start=<seconds>``;
    * bilibili (``bilibili.com/video/BV...``, ``b23.tv``): query ``t=<seconds>``
      (other parameters such as the part ``p=3`` are kept);
    * Vimeo: fragment ``#t=<seconds>s``;
    * a plain media file (``.mp4``, ``.webm``, ...): the W3C media fragment
      ``#t=<seconds>``, which browsers' own players honour;
    * any other host: the plain URL (the time is shown next to the link).

    Seconds are rounded down to whole seconds.  An empty URL stays empty.
    """
    if not url:
        return ""
    t = max(0, int(seconds))
    parts = urlsplit(url)
    host = parts.netloc.lower().split(":")[0]
    if _host_is(host, _YOUTUBE_HOSTS) or _host_is(host, ("bilibili.com", "b23.tv")):
        key = "start" if _host_is(host, _YOUTUBE_HOSTS) and parts.path.startswith("/embed/") else "t"
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("t", "start")]
        query.append((key, str(t)))
        return urlunsplit(parts._replace(query=urlencode(query)))
    if _host_is(host, ("vimeo.com",)):
        return urlunsplit(parts._replace(fragment=f"t={t}s"))
    if _MEDIA_FILE_RE.search(parts.path):
        return urlunsplit(parts._replace(fragment=f"t={t}"))
    return url


@dataclass(frozen=True)
class Session:
    """One session of the timetable (times are Beijing time)."""

    id: str
    date: dt.date
    start: dt.time
    end: dt.time
    kind: str
    title_zh: str
    title_en: str
    teacher: str | None = None
    topics_zh: tuple[str, ...] = ()
    topics_en: tuple[str, ...] = ()
    keywords_zh: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()
    notebook: str | None = None
    assignment: str | None = None
    recording: Recording = field(default_factory=Recording)
    location: str | None = None
    notes: str | None = None
    planned_code: tuple[str, ...] = ()

    @property
    def start_at(self) -> dt.datetime:
        """Start as an aware datetime in Beijing time."""
        return dt.datetime.combine(self.date, self.start, tzinfo=BEIJING)

    @property
    def end_at(self) -> dt.datetime:
        """End as an aware datetime in Beijing time."""
        return dt.datetime.combine(self.date, self.end, tzinfo=BEIJING)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def title(self) -> str:
        """Chinese and English title, ``"zh / en"``."""
        return f"{self.title_zh} / {self.title_en}"

    def when(self) -> str:
        """``"2025-08-18 10:00-12:00"`` (Beijing time)."""
        return f"{self.date.isoformat()} {self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Part:
    """A labelled stretch of the course (week 1, week 2, the camp)."""

    id: str
    zh: str
    en: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Schedule:
    """The validated timetable.

    Sessions are sorted by start time.  Look sessions up with :meth:`session`,
    assignments with :meth:`session_for_assignment`.
    """

    title_zh: str
    title_en: str
    start: dt.date
    end: dt.date
    parts: tuple[Part, ...]
    sessions: tuple[Session, ...]
    path: Path | None = None

    @property
    def root(self) -> Path | None:
        """Directory that holds ``schedule.yaml`` (the repository root)."""
        return self.path.parent if self.path is not None else None

    def session(self, session_id: str) -> Session:
        """The session with id ``session_id``.

        Raises
        ------
        UnknownSessionError
            If there is none; the message suggests close ids.
        """
        for s in self.sessions:
            if s.id == session_id:
                return s
        ids = [s.id for s in self.sessions]
        raise UnknownSessionError(
            f"unknown session id {session_id!r}{_suggest(session_id, ids)}", self.path
        )

    def assignment_ids(self) -> list[str]:
        """Assignment ids in course order."""
        return [s.assignment for s in self.sessions if s.assignment]

    def session_for_assignment(self, assignment_id: str) -> Session:
        """The session that sets ``assignment_id``.

        Raises
        ------
        UnknownAssignmentError
            If no session names it; the message lists close ids.
        """
        for s in self.sessions:
            if s.assignment == assignment_id:
                return s
        ids = self.assignment_ids()
        raise UnknownAssignmentError(
            f"unknown assignment id {assignment_id!r}{_suggest(assignment_id, ids)}"
            f" (known: {', '.join(ids)})",
            self.path,
        )

    def sessions_for_notebook(self, notebook: str) -> list[Session]:
        """Sessions whose lecture notebook is ``notebook`` (``lectures/...``)."""
        return [s for s in self.sessions if s.notebook == notebook]

    def on_date(self, date: dt.date) -> list[Session]:
        """Sessions on ``date``."""
        return [s for s in self.sessions if s.date == date]

    def dates(self) -> list[dt.date]:
        """Dates that have sessions, in order."""
        return sorted({s.date for s in self.sessions})

    def part_of(self, date: dt.date) -> Part | None:
        """The part (week, camp) that ``date`` falls in."""
        for p in self.parts:
            if p.start <= date <= p.end:
                return p
        return None

    # -- what exists of the plan ---------------------------------------------
    def notebook_written(self, s: Session) -> bool | None:
        """Whether the lecture notebook of ``s`` exists (None: the session has none)."""
        if not s.notebook:
            return None
        return self.root is not None and (self.root / s.notebook).is_file()

    def assignment_state(self, s: Session) -> str | None:
        """:data:`RELEASED` (``assignments/<id>/`` holds a notebook), :data:`NOT_RELEASED`
        (only ``solutions/<id>/`` does) or :data:`NOT_WRITTEN`; None if ``s`` sets no assignment."""
        if not s.assignment:
            return None
        if self.root is not None:
            if any((self.root / "assignments" / s.assignment).glob("*.ipynb")):
                return RELEASED
            if any((self.root / "solutions" / s.assignment).glob("*.ipynb")):
                return NOT_RELEASED
        return NOT_WRITTEN

    def planned_modules(self) -> dict[str, tuple[str, ...]]:
        """coursekit modules the schedule marks as not written yet -> the sessions that need them."""
        out: dict[str, tuple[str, ...]] = {}
        for s in self.sessions:
            for module in s.planned_code:
                out[module] = out.get(module, ()) + (s.id,)
        return out

    def planned_module_of(self, path: str) -> str | None:
        """The planned module that ``path`` (a dotted coursekit name) is, or lies in; else None."""
        for module in self.planned_modules():
            if path == module or path.startswith(module + "."):
                return module
        return None

    def first_lecture(self) -> Session | None:
        """The first session whose lecture notebook exists (else the first that names one)."""
        with_notebook = [s for s in self.sessions if s.notebook]
        written = [s for s in with_notebook if self.notebook_written(s)]
        return (written or with_notebook or [None])[0]

    def on_now(self, now: dt.datetime) -> list[Session]:
        """Sessions running at ``now`` (start <= now < end)."""
        now = _as_beijing(now)
        return [s for s in self.sessions if s.start_at <= now < s.end_at]

    def next_after(self, now: dt.datetime) -> list[Session]:
        """The session(s) that start next after ``now`` (several if they start together)."""
        now = _as_beijing(now)
        later = [s for s in self.sessions if s.start_at > now]
        if not later:
            return []
        first = min(s.start_at for s in later)
        return [s for s in later if s.start_at == first]


# ----------------------------------------------------------------------------- loading


def default_schedule_path() -> Path:
    """Where ``schedule.yaml`` is looked for.

    ``$COURSEKIT_SCHEDULE`` if set, else ``schedule.yaml`` in the repository root
    (the parent of the ``coursekit`` package directory).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[2] / "schedule.yaml"


def load_schedule(path: str | os.PathLike | None = None) -> Schedule:
    """Load and validate the timetable.

    Parameters
    ----------
    path : str or path-like, optional
        The YAML file; default :func:`default_schedule_path`.

    Returns
    -------
    Schedule

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ScheduleError
        If it is not valid YAML or a session is malformed; the message names the
        session and field of the first problem, ``.errors`` lists them all.
    """
    path = Path(path) if path is not None else default_schedule_path()
    if not path.is_file():
        hint = f" (set ${ENV_VAR} or pass path=)" if path == default_schedule_path() else ""
        raise FileNotFoundError(f"schedule file not found: {path}{hint}")
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScheduleError(f"not valid YAML{where}: {problem}", path) from None
    return parse_schedule(data, path=path)


def parse_schedule(data, path: Path | None = None) -> Schedule:
    """Validate already-parsed YAML ``data`` and build a :class:`Schedule`."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ScheduleError("expected a mapping with 'course' and 'sessions'", path)
    for key in data:
        if key not in ("course", "sessions"):
            errors.append(f"top level: unknown key {key!r}{_suggest(str(key), ['course', 'sessions'])}")

    course = data.get("course")
    if not isinstance(course, dict):
        raise ScheduleError("field 'course': expected a mapping (title, timezone, start, end)", path)
    title_zh, title_en = _bilingual(course.get("title"), "course", "title", errors)
    tz = course.get("timezone")
    if tz != "Asia/Shanghai":
        errors.append(f"course field 'timezone': only 'Asia/Shanghai' (Beijing time) is supported, got {tz!r}")
    c_start = _date(course.get("start"), "course", "start", errors)
    c_end = _date(course.get("end"), "course", "end", errors)
    if c_start and c_end and c_end < c_start:
        errors.append(f"course field 'end': {c_end} is before start {c_start}")
    parts = []
    for i, p in enumerate(course.get("parts") or []):
        where = f"course part {i + 1}"
        if not isinstance(p, dict):
            errors.append(f"{where}: expected a mapping (id, zh, en, start, end)")
            continue
        extra = set(p) - {"id", "zh", "en", "start", "end"}
        if extra:
            errors.append(f"{where}: unknown key(s) {sorted(map(str, extra))} (a comma in unquoted YAML text?)")
        ps, pe = _date(p.get("start"), where, "start", errors), _date(p.get("end"), where, "end", errors)
        if ps and pe:
            parts.append(Part(str(p.get("id", i + 1)), str(p.get("zh", "")), str(p.get("en", "")), ps, pe))

    raw_sessions = data.get("sessions")
    if not isinstance(raw_sessions, list) or not raw_sessions:
        errors.append("field 'sessions': expected a non-empty list of sessions")
        raw_sessions = []

    sessions: list[Session] = []
    seen_ids: dict[str, int] = {}
    seen_assignments: dict[str, str] = {}
    for i, raw in enumerate(raw_sessions):
        s = _parse_session(raw, i, c_start, c_end, errors)
        if s is None:
            continue
        if s.id in seen_ids:
            errors.append(f"session {s.id!r} field 'id': duplicate id (also session number {seen_ids[s.id]})")
        seen_ids.setdefault(s.id, i + 1)
        if s.assignment:
            if s.assignment in seen_assignments:
                errors.append(
                    f"session {s.id!r} field 'assignment': {s.assignment!r} is already set by "
                    f"session {seen_assignments[s.assignment]!r}"
                )
            seen_assignments.setdefault(s.assignment, s.id)
        sessions.append(s)

    if errors:
        raise ScheduleError(errors, path)
    sessions.sort(key=lambda s: (s.start_at, s.end_at))
    return Schedule(title_zh, title_en, c_start, c_end, tuple(parts), tuple(sessions), path)


def _parse_session(raw, index, c_start, c_end, errors) -> Session | None:
    if not isinstance(raw, dict):
        errors.append(f"session number {index + 1}: expected a mapping, got {type(raw).__name__}")
        return None
    sid = raw.get("id")
    if not isinstance(sid, str) or not _ID_RE.match(sid):
        errors.append(
            f"session number {index + 1} field 'id': expected lower-case letters, digits and '-', got {sid!r}"
        )
        return None
    n_before = len(errors)
    where = f"session {sid!r}"
    for key in raw:
        if key not in _SESSION_FIELDS:
            errors.append(f"{where} field {key!r}: unknown field{_suggest(str(key), sorted(_SESSION_FIELDS))}")
    for key in _REQUIRED_FIELDS:
        if key not in raw:
            errors.append(f"{where} field {key!r}: missing")
    if len(errors) > n_before:
        return None

    date = _date(raw["date"], where, "date", errors)
    if date and c_start and c_end and not (c_start <= date <= c_end):
        errors.append(f"{where} field 'date': {date} is outside the course ({c_start} to {c_end})")
    start = _hhmm(raw["start"], where, "start", errors)
    end = _hhmm(raw["end"], where, "end", errors)
    if start and end and not start < end:
        errors.append(f"{where} field 'end': {end:%H:%M} is not after start {start:%H:%M}")
    kind = raw["kind"]
    if kind not in KINDS:
        errors.append(f"{where} field 'kind': expected one of {', '.join(KINDS)}, got {kind!r}")
    title_zh, title_en = _bilingual(raw["title"], where, "title", errors)
    teacher = _optional_str(raw.get("teacher"), where, "teacher", errors)
    topics = _bilingual_lists(raw.get("topics"), where, "topics", errors)
    keywords = _bilingual_lists(raw.get("keywords"), where, "keywords", errors)
    notebook = _optional_str(raw.get("notebook"), where, "notebook", errors)
    if notebook is not None and (not _NOTEBOOK_RE.match(notebook) or ".." in notebook):
        errors.append(f"{where} field 'notebook': expected a path lectures/NN_name.ipynb, got {notebook!r}")
    assignment = _optional_str(raw.get("assignment"), where, "assignment", errors)
    if assignment is not None and not _ASSIGNMENT_RE.match(assignment):
        errors.append(
            f"{where} field 'assignment': expected an id of lower-case letters, digits and '_' "
            f"(a folder name under solutions/), got {assignment!r}"
        )
    recording = _recording(raw.get("recording"), where, errors)
    location = _optional_str(raw.get("location"), where, "location", errors)
    notes = _optional_str(raw.get("notes"), where, "notes", errors)
    planned = raw.get("planned_code") or []
    if not isinstance(planned, list) or not all(isinstance(m, str) and _MODULE_RE.match(m) for m in planned):
        errors.append(
            f"{where} field 'planned_code': expected a list of coursekit modules that are not written yet "
            f"(coursekit.name.name), got {planned!r}"
        )
        planned = []
    if len(errors) > n_before:
        return None
    return Session(
        id=sid, date=date, start=start, end=end, kind=kind, title_zh=title_zh, title_en=title_en,
        teacher=teacher, topics_zh=topics[0], topics_en=topics[1], keywords_zh=keywords[0],
        keywords_en=keywords[1], notebook=notebook, assignment=assignment, recording=recording,
        location=location, notes=notes, planned_code=tuple(planned),
    )


# ----------------------------------------------------------------------------- field parsers


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _date(value, where, name, errors) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.append(f"{where} field {name!r}: expected a date YYYY-MM-DD, got {value!r}")
    return None


def _hhmm(value, where, name, errors) -> dt.time | None:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 10:00 as the base-60 number 600.
        h, m = divmod(value, 60)
        errors.append(
            f"{where} field {name!r}: expected HH:MM, got the number {value} "
            f"(quote the time in YAML: \"{h:02d}:{m:02d}\")"
        )
        return None
    if isinstance(value, str):
        m = _HHMM_RE.match(value.strip())
        if m:
            return dt.time(int(m.group(1)), int(m.group(2)))
    errors.append(f"{where} field {name!r}: expected HH:MM, got {value!r}")
    return None


def _optional_str(value, where, name, errors) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    errors.append(f"{where} field {name!r}: expected text or null, got {value!r}")
    return None


def _bilingual(value, where, name, errors) -> tuple[str, str]:
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) and value.get(k).strip() for k in ("zh", "en")):
        errors.append(f"{where} field {name!r}: expected {{zh: ..., en: ...}} with both texts, got {value!r}")
        return "", ""
    extra = set(value) - {"zh", "en"}
    if extra:
        errors.append(f"{where} field {name!r}: unknown language key(s) {sorted(extra)}; use zh and en")
    return value["zh"].strip(), value["en"].strip()


def _bilingual_lists(value, where, name, errors) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if value is None:
        return (), ()
    if not isinstance(value, dict) or set(value) - {"zh", "en"}:
        errors.append(f"{where} field {name!r}: expected {{zh: [...], en: [...]}}, got {value!r}")
        return (), ()
    out = []
    for lang in ("zh", "en"):
        items = value.get(lang) or []
        if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
            errors.append(f"{where} field '{name}.{lang}': expected a list of texts, got {items!r}")
            items = []
        out.append(tuple(x.strip() for x in items))
    return out[0], out[1]


def _recording(value, where, errors) -> Recording:
    if value is None:
        return Recording()
    if not isinstance(value, dict) or set(value) - {"url", "chapters"}:
        errors.append(f"{where} field 'recording': expected {{url: ..., chapters: [...]}}, got {value!r}")
        return Recording()
    url = value.get("url") or ""
    if not isinstance(url, str) or (url and not re.match(r"^https?://[^\s/]+\S*$", url.strip())):
        errors.append(f"{where} field 'recording.url': expected an http(s) URL or empty, got {url!r}")
        url = ""
    chapters = []
    previous = -1
    for j, ch in enumerate(value.get("chapters") or []):
        fname = f"recording.chapters[{j}]"
        if not isinstance(ch, dict) or set(ch) != {"time", "title"}:
            errors.append(f"{where} field '{fname}': expected {{time: \"HH:MM:SS\", title: ...}}, got {ch!r}")
            continue
        t, title = ch["time"], ch["title"]
        if isinstance(t, int) and not isinstance(t, bool):
            errors.append(f"{where} field '{fname}.time': expected HH:MM:SS, got the number {t} (quote it in YAML)")
            continue
        if not isinstance(t, str) or not _HHMMSS_RE.match(t.strip()):
            errors.append(f"{where} field '{fname}.time': expected HH:MM:SS, got {t!r}")
            continue
        if not isinstance(title, str) or not title.strip():
            errors.append(f"{where} field '{fname}.title': expected a non-empty title, got {title!r}")
            continue
        chapter = Chapter(t.strip(), title.strip())
        if chapter.seconds <= previous:
            errors.append(f"{where} field '{fname}.time': {chapter.time} is not after the previous chapter")
        previous = chapter.seconds
        chapters.append(chapter)
    return Recording(url.strip(), tuple(chapters))


# ----------------------------------------------------------------------------- time helpers


def _as_beijing(when: dt.datetime) -> dt.datetime:
    """Naive datetimes are taken as Beijing time; aware ones are converted."""
    if when.tzinfo is None:
        return when.replace(tzinfo=BEIJING)
    return when.astimezone(BEIJING)


def parse_now(text: str | None) -> dt.datetime:
    """Parse an ISO date-time (naive = Beijing time); ``None`` gives the current time.

    Raises
    ------
    ValueError
        If ``text`` is not ISO 8601.
    """
    if text is None:
        return dt.datetime.now(BEIJING)
    try:
        return _as_beijing(dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"--now: expected an ISO date-time like 2025-08-18T10:30, got {text!r}") from None
