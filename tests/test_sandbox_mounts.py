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
