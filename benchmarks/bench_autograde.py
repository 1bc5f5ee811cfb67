"""Autograde 30 submissions of the test assignment and report wall time per submission and in total.

    python benchmarks/bench_autograde.py [--students 30] [--jobs 2]

Submissions are a mix: 10 solutions, 10 honest wrong answers, 10 released
stubs.  The release (nbgrader generate_assignment, one command start) is timed
separately; autograde itself starts no nbgrader command and no kernel.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from coursekit.course.grading import pipeline  # noqa: E402
from grading_fixtures.helpers import (ASSIGNMENT, release_nb, released_course, source_nb,  # noqa: E402
                                      submit, wrong_submission)


def run(students: int = 30, jobs: int = 2) -> dict:
    with tempfile.TemporaryDirectory(prefix="coursekit-bench-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        layout = released_course(tmp / "course", tmp / "template")
        t_release = time.perf_counter() - t0
        kinds = [source_nb(), wrong_submission(layout), release_nb(layout)]
        for k in range(students):
            submit(layout, f"student{k:02d}", kinds[k % 3])
        t0 = time.perf_counter()
        report = pipeline.autograde(layout, ASSIGNMENT, jobs=jobs)
        total = time.perf_counter() - t0
    per = [g.elapsed_s for g in report.students]
    return {"students": students, "jobs": jobs, "release_s": t_release, "total_s": total,
            "per_submission_wall_s": total / students, "per_submission_sandbox_mean_s": sum(per) / len(per),
            "per_submission_max_s": max(per), "attention": len(report.attention),
            "missing_protections": report.missing_protections}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2)
    r = run(**vars(ap.parse_args(argv)))
    print(f"release (nbgrader generate_assignment): {r['release_s']:.1f} s")
    print(f"autograde {r['students']} submissions, {r['jobs']} jobs: {r['total_s']:.1f} s total, "
          f"{r['per_submission_wall_s']:.2f} s per submission (wall), "
          f"{r['per_submission_sandbox_mean_s']:.2f} s mean / {r['per_submission_max_s']:.2f} s max per student")
    print(f"needing attention: {r['attention']}; missing protections: {r['missing_protections'] or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
