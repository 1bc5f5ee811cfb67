"""The jail's mounts come in an order that keeps every bound path visible.

bubblewrap applies its mount arguments in order, and a later mount hides what an earlier one put
under the same path.  The jail's private /tmp must therefore come before the coursekit package and the
grader's caches are bound in: a course, a virtual environment or a cache that lives under /tmp (a CI
checkout, ``pip install -e`` from a temporary clone, ``COURSEKIT_CACHE_DIR=/tmp/...``) was hidden
by the tmpfs, and every student then failed ``import coursekit`` inside the jail.
"""
from coursekit.course.grading import sandbox


def _mount_index(args, option, target):
    """Index of the mount option whose target (the last operand) is ``target``."""
    for i, a in enumerate(args):
        if a == option:
            operands = 1 if option in ("--tmpfs", "--dir") else 2
            if args[i + operands] == target:
                return i
    raise AssertionError(f"no {option} ... {target} in {args}")


def test_private_tmp_comes_before_paths_bound_under_tmp(tmp_path, monkeypatch):
    pkg = tmp_path / "clone" / "coursekit"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    cache = tmp_path / "cache"
    (cache / "kernels").mkdir(parents=True)
    monkeypatch.setattr(sandbox, "_pkg_dir", lambda: pkg)
    monkeypatch.setattr(sandbox, "_grader_caches", lambda: (cache, None))
    private = tmp_path / "private"
    private.mkdir()
    args, env = sandbox._jail_args(private, sandbox.Limits(), [], None)
    tmpfs = _mount_index(args, "--tmpfs", "/tmp")
    home = _mount_index(args, "--tmpfs", sandbox._JAIL_HOME)
    assert tmpfs < _mount_index(args, "--bind", str(pkg))
    assert tmpfs < _mount_index(args, "--bind", str(cache))
    assert home < _mount_index(args, "--bind", str(pkg))
    # nothing mounts over /tmp or the home after the binds
    assert [i for i, a in enumerate(args) if a == "--tmpfs"] == sorted([tmpfs, home])
    assert env["COURSEKIT_CACHE_DIR"] == str(cache)


def test_private_cache_copy_keeps_only_the_graders_numba_version(tmp_path):
    """numba's cache has one directory per version of coursekit's sources; a sandbox gets the grader's."""
    from coursekit.course.grading.sandbox import _private_copy

    base = tmp_path / "cache"
    for d in ("tag/numba/aaaa", "tag/numba/bbbb", "tag/kernels"):
        (base / d).mkdir(parents=True)
        (base / d / "f.nbi").write_text(d)
    (base / "tag" / "kernels" / "x.lock").write_text("")
    _private_copy(base, tmp_path / "copy", None, keep_numba=str(base / "tag" / "numba" / "bbbb"))
    got = sorted(p.relative_to(tmp_path / "copy").as_posix() for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert got == ["tag/kernels/f.nbi", "tag/numba/bbbb/f.nbi"]
