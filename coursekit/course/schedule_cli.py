"""``coursekit schedule``, ``coursekit lookup``, ``coursekit recordings`` and ``coursekit site``.

Thin: loading, validation and matching live in :mod:`coursekit.course.schedule`,
:mod:`coursekit.course.lookup`, :mod:`coursekit.course.recordings` and
:mod:`coursekit.course.site`.  Bad input (a malformed schedule.yaml, an
unknown assignment id, a date outside the course) raises ``ValueError``;
``coursekit.cli.main`` turns it into a one-line message and exit status 2.
"""
from __future__ import annotations

import datetime as dt
import json
import sys

from .schedule import KINDS, RELEASED, Schedule, Session, load_schedule, parse_now

_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def register(subparsers) -> None:
    """Add the ``schedule``, ``lookup``, ``recordings`` and ``site`` subcommands."""
    p = subparsers.add_parser(
        "schedule",
        help="print the timetable and what is on now / next",
        description="Print the course timetable grouped by day (Beijing time), marking the "
                    "session on now and the next one.",
    )
    p.add_argument("--date", metavar="YYYY-MM-DD", help="only this day")
    p.add_argument("--today", action="store_true",
                   help="only the day of --now (default: today); before or after the course, say so")
    p.add_argument("--now", metavar="ISO", help="pretend it is this time (ISO 8601; no zone = Beijing time)")
    p.add_argument("--kind", choices=sorted(KINDS), action="append",
                   help="only sessions of this kind (repeatable)")
    p.add_argument("--assignment", metavar="ID", help="show the session that sets assignment ID")
    p.add_argument("--file", metavar="PATH", help="schedule file (default: schedule.yaml of the course, "
                                                  "or $COURSEKIT_SCHEDULE)")
    p.set_defaults(func=run_schedule)

    q = subparsers.add_parser(
        "lookup",
        help="find where a concept, model or teacher is in the course",
        description="Find a concept, model, topic or teacher (English or Chinese, typos allowed): "
                    "the session, recording, notebook section, assignment and coursekit function.",
    )
    q.add_argument("query", nargs="+", help="what to look for, e.g. 泄漏, 'Mg block', bump")
    q.add_argument("-n", "--limit", type=int, default=5, help="most hits shown (default 5)")
    q.add_argument("--json", action="store_true", help="print the hits as JSON")
    q.add_argument("--file", metavar="PATH", help="schedule file (default: the course's schedule.yaml)")
    q.set_defaults(func=run_lookup)

    r = subparsers.add_parser(
        "recordings",
        help="import a session's recording: URL, chapters, searchable subtitles",
        description="Import lecture recordings (instructors).",
    )
    rsub = r.add_subparsers(dest="recordings_command", metavar="ACTION")
    add = rsub.add_parser(
        "add",
        help="set a session's recording URL and chapters, and store its subtitles for lookup",
        description="Write the recording URL (and chapters) into the session's `recording` field of "
                    "schedule.yaml, changing nothing else in the file, and store the subtitles as "
                    "recordings/<session>.json beside it, where `coursekit lookup` searches them.",
    )
    add.add_argument("session", metavar="SESSION", help="session id, e.g. d3-am")
    add.add_argument("--url", required=True, help="the video's URL (YouTube, bilibili, Vimeo, a .mp4 file, ...)")
    add.add_argument("--chapters", metavar="FILE",
                     help="chapter list, one 'HH:MM:SS title' a line (or MM:SS), or a .vtt/.srt chapter track")
    add.add_argument("--subtitles", metavar="FILE.vtt|.srt", help="subtitles, WebVTT or SubRip, Chinese or English")
    add.add_argument("--file", metavar="PATH", help="schedule file (default: the course's schedule.yaml)")
    add.set_defaults(func=run_recordings_add)
    r.set_defaults(func=lambda args: r.print_help() or 0)

    w = subparsers.add_parser(
        "site",
        help="build the course's static web site",
        description="Build a static site: the schedule, each lecture rendered by nbconvert, chapter "
                    "links, the glossary, and search in the browser on a prebuilt index.",
    )
    wsub = w.add_subparsers(dest="site_command", metavar="ACTION")
    b = wsub.add_parser("build", help="write the site to a folder (default: _site/)")
    b.add_argument("--out", metavar="DIR", default="_site", help="output folder (default: _site)")
    b.add_argument("--execute", action="store_true",
                   help="execute each notebook before rendering it (slow: each lecture's full budget); "
                        "by default the committed notebooks are rendered as they are")
    b.add_argument("--file", metavar="PATH", help="schedule file (default: the course's schedule.yaml)")
    b.set_defaults(func=run_site_build)
    w.set_defaults(func=lambda args: w.print_help() or 0)


# ----------------------------------------------------------------------------- schedule


def run_schedule(args) -> int:
    schedule = load_schedule(args.file)
    now = parse_now(args.now)
    if args.assignment:
        s = schedule.session_for_assignment(args.assignment)
        print(f"assignment {args.assignment!r} is set in:")
        print(format_session(s, schedule=schedule))
        return 0
    day = None
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            raise ValueError(f"--date: expected YYYY-MM-DD, got {args.date!r}") from None
    elif args.today:
        day = now.date()
        if not (schedule.start <= day <= schedule.end):
            print(outside_the_course(schedule, now))
            return 0
    print(format_timetable(schedule, now, day=day, kinds=args.kind))
    return 0


def _material(s: Session, schedule: Schedule | None) -> list[str]:
    """What the session hands out, and what of it is not written yet."""
    extra = []
    if s.notebook:
        written = schedule.notebook_written(s) if schedule is not None else True
        extra.append(s.notebook + ("" if written else " (not written yet)"))
    if s.assignment:
        state = schedule.assignment_state(s) if schedule is not None else RELEASED
        extra.append(f"assignment {s.assignment}" + ("" if state == RELEASED else f" ({state})"))
    if s.planned_code:
        extra.append(f"code not written yet: {', '.join(s.planned_code)}")
    if s.location:
        extra.append(s.location)
    return extra


def format_session(s: Session, mark: str = "", schedule: Schedule | None = None) -> str:
    """One line: ``mark  10:00-12:00  lecture   title_zh / title_en — teacher  [id]``, then
    the notebook, assignment and location; with ``schedule``, each marked if not written yet."""
    who = f" — {s.teacher}" if s.teacher else ""
    extra = _material(s, schedule)
    tail = f"\n{'':32}{' · '.join(extra)}" if extra else ""
    return (f"{mark:<5}{s.start:%H:%M}-{s.end:%H:%M}  {s.kind_label:<13} "
            f"{s.title_zh} / {s.title_en}{who}  [{s.id}]{tail}")


def _day_header(schedule: Schedule, date: dt.date) -> str:
    wd = date.weekday()
    return f"{_WEEKDAYS_EN[wd]} {date.isoformat()} ({_WEEKDAYS_ZH[wd]})"


def _where_to_start(schedule: Schedule) -> str:
    first = schedule.first_lecture()
    lines = ["Where to start:"]
    if first is not None:
        lines.append(f"  the first lecture   python -m jupyter lab {first.notebook}   ({first.title_en})")
    lines.append("  find a topic        coursekit lookup QUERY   (English or Chinese, e.g. coursekit lookup 泄漏)")
    lines.append("  the timetable       coursekit schedule")
    return "\n".join(lines)


def outside_the_course(schedule: Schedule, now: dt.datetime) -> str:
    """What ``schedule --today`` says before the course starts or after it has ended."""
    first = schedule.sessions[0]
    stamp = f"{now.astimezone(first.start_at.tzinfo):%Y-%m-%d %H:%M} Beijing time"
    if now < first.start_at:
        days = (first.date - now.astimezone(first.start_at.tzinfo).date()).days
        when = "tomorrow" if days == 1 else f"in {days} days"
        lines = [f"It is {stamp}: the course has not started yet.",
                 f"It starts on {_day_header(schedule, first.date)} at {first.start:%H:%M} Beijing time ({when}) "
                 f"with {first.title_zh} / {first.title_en} [{first.id}], and runs to {schedule.end}."]
    else:
        lines = [f"It is {stamp}: the course is over.",
                 f"It ran from {schedule.start} to {schedule.end}; its notebooks and assignments stay "
                 "available, and `coursekit schedule` still shows every session."]
    lines.append(_where_to_start(schedule))
    return "\n".join(lines)


def format_timetable(schedule: Schedule, now: dt.datetime, day: dt.date | None = None,
                     kinds=None) -> str:
    """The timetable grouped by part and day, with NOW / NEXT marks and a summary line.

    Notebooks, assignments and code that are not written yet are marked so.

    Raises
    ------
    ValueError
        If ``day`` is outside the course.
    """
    if day is not None and not (schedule.start <= day <= schedule.end):
        raise ValueError(f"--date: {day} is outside the course ({schedule.start} to {schedule.end})")
    on_now = {s.id for s in schedule.on_now(now)}
    upcoming = schedule.next_after(now)
    next_ids = {s.id for s in upcoming}
    sessions = [s for s in schedule.sessions
                if (day is None or s.date == day) and (not kinds or s.kind in kinds)]

    lines = [f"{schedule.title_zh}", f"{schedule.title_en}", "All times Beijing time (UTC+8).", ""]
    part = None
    date = None
    for s in sessions:
        p = schedule.part_of(s.date)
        if p is not None and p != part:
            part = p
            lines += [f"== {p.en} · {p.zh} ==", ""] if date is None else ["", f"== {p.en} · {p.zh} ==", ""]
        if s.date != date:
            if date is not None and lines[-1] != "":
                lines.append("")
            date = s.date
            lines.append(_day_header(schedule, s.date))
        mark = "NOW" if s.id in on_now else "NEXT" if s.id in next_ids else ""
        lines.append("  " + format_session(s, mark, schedule))
    if not sessions:
        what = f"on {day}" if day else ""
        lines.append(f"no sessions {what}".rstrip() + ".")
    if day is None or day == now.date():  # a day asked for by --date is not about now
        lines.append("")
        lines.append(_summary(schedule, now, on_now, upcoming))
    return "\n".join(lines)


def _summary(schedule: Schedule, now: dt.datetime, on_now, upcoming) -> str:
    stamp = f"{now.astimezone(schedule.sessions[0].start_at.tzinfo):%Y-%m-%d %H:%M} Beijing time"
    parts = [f"At {stamp}:"]
    current = [s for s in schedule.sessions if s.id in on_now]
    if current:
        parts.append("on now " + "; ".join(f"{s.title_zh} ({s.id}, until {s.end:%H:%M})" for s in current) + ".")
    else:
        parts.append("nothing on now.")
    if upcoming:
        s0 = upcoming[0]
        when = f"{s0.start:%H:%M}" if s0.date == now.date() else f"{_day_header(schedule, s0.date)} {s0.start:%H:%M}"
        parts.append("Next: " + "; ".join(f"{s.title_zh} ({s.id})" for s in upcoming) + f" at {when}.")
    else:
        parts.append("The course is over.\n" + _where_to_start(schedule))
    return " ".join(parts)


# ----------------------------------------------------------------------------- lookup


def run_lookup(args) -> int:
    from .lookup import lookup

    if args.limit < 1:
        raise ValueError(f"--limit must be >= 1, got {args.limit}")
    query = " ".join(args.query)
    hits = lookup(query, limit=args.limit, schedule=args.file)
    if args.json:
        print(json.dumps(hits.as_dicts(), ensure_ascii=False, indent=2))
    elif hits:
        print(hits)
    if not hits:
        print(f"coursekit lookup: no matches for {query!r}", file=sys.stderr)
        return 1
    return 0



# ----------------------------------------------------------------------------- recordings, site


def run_recordings_add(args) -> int:
    from .recordings import add_recording

    done = add_recording(args.session, args.url, chapters=args.chapters, subtitles=args.subtitles,
                         schedule=args.file)
    print(done)
    return 0


def run_site_build(args) -> int:
    from .site import build_site

    site = build_site(args.out, schedule=args.file, execute=args.execute)
    print(site)
    return 0
