"""30 submissions of one assignment: timings printed, not asserted (shared CI machines vary)."""
import pytest


@pytest.mark.slow
def test_autograde_30_submissions(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_autograde.py"
    spec = importlib.util.spec_from_file_location("bench_autograde", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    r = bench.run(students=30, jobs=2)
    with capsys.disabled():
        print(f"\n30 submissions: {r['total_s']:.1f} s total, {r['per_submission_wall_s']:.2f} s each "
              f"(release {r['release_s']:.1f} s)")
    assert r["attention"] == 0
