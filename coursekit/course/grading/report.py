"""The class picture after autograde: ``coursekit course report ID``.

Read from the gradebook's coursekit tables (:mod:`.gradebook`): the
distribution of autograded scores, each case's failure rate (cases are grouped
by task and label -- hidden cases have per-student inputs but shared labels),
the mistakes the grader diagnosed and how many students made each, and who
needs attention.  :meth:`ClassReport.text` is what the terminal shows;
:meth:`ClassReport.html` a self-contained page (no scripts, no external files).
"""
from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from .gradebook import case_rows, pending_manual_grades, submission_status
from .layout import CourseLayout
from .protocol import clean_text


@dataclass
class CaseStat:
    title: str
    function: str
    label: str
    hidden: bool
    attempts: int
    failures: int
    categories: Counter

    @property
    def failure_rate(self) -> float:
        return self.failures / self.attempts if self.attempts else 0.0


@dataclass
class ClassReport:
    assignment: str
    scores: dict[str, float]          #: student -> autograded score
    max_score: float
    cases: list[CaseStat]
    mistakes: list[tuple[str, str, int]]   #: (function, mistake, students)
    attention: dict[str, list[str]]
    unsandboxed: list[str]
    pending: int

    def histogram(self, bins: int = 10) -> list[tuple[float, float, int]]:
        top = self.max_score or 1.0
        edges = [top * k / bins for k in range(bins + 1)]
        counts = [0] * bins
        for s in self.scores.values():
            k = min(int(s / top * bins), bins - 1) if top else 0
            counts[k] += 1
        return [(edges[k], edges[k + 1], counts[k]) for k in range(bins)]

    # -- text ---------------------------------------------------------------------------------------
    def text(self) -> str:
        n = len(self.scores)
        lines = [f"Class report: {self.assignment} ({n} submission(s), autograded points out of {self.max_score:g})"]
        if n:
            vals = sorted(self.scores.values())
            mean = sum(vals) / n
            median = vals[n // 2] if n % 2 else 0.5 * (vals[n // 2 - 1] + vals[n // 2])
            lines.append(f"  mean {mean:.2f}, median {median:.2f}, min {vals[0]:g}, max {vals[-1]:g}")
            lines.append("\nScore distribution")
            peak = max(c for _, _, c in self.histogram()) or 1
            for lo, hi, c in self.histogram():
                lines.append(f"  {lo:6.1f}–{hi:6.1f} | {'█' * math.ceil(30 * c / peak) if c else '':30s} {c}")
        lines.append("\nCases, most failed first (failure rate over the students who were graded on them)")
        for c in sorted(self.cases, key=lambda c: (-c.failure_rate, c.title, c.label)):
            if not c.failures:
                continue
            why = ", ".join(f"{k} {v}" for k, v in c.categories.most_common(3))
            lines.append(f"  {100 * c.failure_rate:5.1f}%  {c.title} · {c.function}: {c.label}"
                         f"{' (hidden)' if c.hidden else ''}  [{why}]")
        if all(not c.failures for c in self.cases):
            lines.append("  every case passed for every student")
        lines.append("\nDiagnosed mistakes (students)")
        for function, mistake, k in self.mistakes:
            lines.append(f"  {k:4d}  {function}: {mistake}")
        if not self.mistakes:
            lines.append("  none")
        if self.pending:
            lines.append(f"\n{self.pending} written answer(s) still await a grader")
        if self.unsandboxed:
            lines.append(f"\nGraded without complete isolation: {', '.join(self.unsandboxed)}")
        if self.attention:
            lines.append("\nNeeds attention")
            for s, probs in sorted(self.attention.items()):
                lines.append(f"  {s}: {'; '.join(probs)[:300]}")
        return "\n".join(lines)

    # -- html ---------------------------------------------------------------------------------------
    def html(self) -> str:
        e = html.escape
        n = len(self.scores)
        peak = max([c for _, _, c in self.histogram()] + [1])
        bars = "".join(
            f"<tr><td>{lo:.1f}–{hi:.1f}</td><td><div style='background:#3b6ea5;height:1em;"
            f"width:{300 * c / peak:.0f}px'></div></td><td>{c}</td></tr>" for lo, hi, c in self.histogram())
        case_rows_html = "".join(
            f"<tr><td>{100 * c.failure_rate:.1f}%</td><td>{e(c.title)}</td><td><code>{e(c.function)}</code></td>"
            f"<td>{e(c.label)}</td><td>{'hidden' if c.hidden else 'visible'}</td><td>{c.failures} / {c.attempts}</td>"
            f"<td>{e(', '.join(f'{k} {v}' for k, v in c.categories.most_common(3)))}</td></tr>"
            for c in sorted(self.cases, key=lambda c: (-c.failure_rate, c.title, c.label)))
        mistakes = "".join(f"<tr><td>{k}</td><td><code>{e(f)}</code></td><td>{e(m)}</td></tr>"
                           for f, m, k in self.mistakes) or "<tr><td colspan=3>none</td></tr>"
        attention = "".join(f"<li><b>{e(s)}</b>: {e('; '.join(p))}</li>" for s, p in sorted(self.attention.items()))
        extra = ""
        if self.pending:
            extra += f"<p>{self.pending} written answer(s) still await a grader.</p>"
        if self.unsandboxed:
            extra += f"<p><b>Graded without complete isolation:</b> {e(', '.join(self.unsandboxed))}</p>"
        return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Class report: {e(self.assignment)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse}}
td,th{{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}</style></head>
<body><h1>Class report: {e(self.assignment)}</h1>
<p>{n} submission(s); autograded points out of {self.max_score:g}.</p>{extra}
<h2>Score distribution</h2><table>{bars}</table>
<h2>Cases, most failed first</h2>
<table><tr><th>failed</th><th>task</th><th>function</th><th>case</th><th></th><th>students</th><th>how</th></tr>
{case_rows_html}</table>
<h2>Diagnosed mistakes</h2><table><tr><th>students</th><th>function</th><th>mistake</th></tr>{mistakes}</table>
<h2>Needs attention</h2><ul>{attention or '<li>nobody</li>'}</ul>
</body></html>
"""


def class_report(layout: CourseLayout, assignment: str) -> ClassReport:
    rows = case_rows(layout, assignment)
    status = submission_status(layout, assignment)
    cell_scores: dict[str, dict[tuple, tuple]] = defaultdict(dict)
    groups: dict[tuple, CaseStat] = {}
    mistake_students: dict[tuple, set] = defaultdict(set)
    for r in rows:
        cell_scores[r["student"]][(r["notebook"], r["grade_id"])] = (r["cell_score"], r["cell_points"])
        key = (r["notebook"], r["grade_id"], r["function"], r["label"])
        stat = groups.setdefault(key, CaseStat(r["title"], r["function"], r["label"], bool(r["hidden"]), 0, 0,
                                               Counter()))
        stat.attempts += 1
        if not r["passed"]:
            stat.failures += 1
            stat.categories[r["category"]] += 1
        if r["mistake"]:
            mistake_students[(r["function"], r["mistake"])].add(r["student"])
    scores = {s: sum(v[0] for v in cells.values()) for s, cells in cell_scores.items()}
    max_score = max((sum(v[1] for v in cells.values()) for cells in cell_scores.values()), default=0.0)
    for (a, s), st in status.items():
        scores.setdefault(s, 0.0)
    mistakes = sorted(((f, m, len(st)) for (f, m), st in mistake_students.items()), key=lambda t: (-t[2], t[0]))
    attention = {clean_text(s, 80): [clean_text(p, 300) for p in st["problems"]]
                 for (_, s), st in status.items() if st["problems"]}
    unsandboxed = sorted(s for (_, s), st in status.items() if not st["sandboxed"])
    pending = len(pending_manual_grades(layout, assignment))
    return ClassReport(assignment, scores, max_score, list(groups.values()), mistakes, attention, unsandboxed, pending)
