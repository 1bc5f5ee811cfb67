"""Run peer simulators (Brian2) in their own virtual environment.

Brian2 2.9 (the newest release on the registry) does not import with NumPy >= 2.4
(it wraps ``ndarray.ptp``, which NumPy removed), while coursekit runs on the
current NumPy.  So the benchmarks build a separate environment once,
``benchmarks/.venv-peers`` (git-ignored), with Brian2 and a NumPy it supports,
and run the peer's script there -- on the same machine, in the same benchmark
run, timed inside the peer process.

The learning benchmarks' peers (PyTorch on CPU, reservoirpy, snnTorch) live in a second
environment, ``benchmarks/.venv-learning``: they are large, and none of them is a
dependency of coursekit.
"""
from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-peers"
REQUIREMENTS = ["brian2", "numpy<2.4", "scipy"]
#: environment name -> (folder, requirements)
ENVIRONMENTS = {
    "peers": (VENV, REQUIREMENTS),
    "learning": (HERE / ".venv-learning", ["torch", "reservoirpy", "snntorch", "scipy"]),
}


def peer_python(env: str = "peers") -> Path:
    """Path of a peer environment's interpreter, creating the environment if needed."""
    folder, requirements = ENVIRONMENTS[env]
    py = folder / "bin" / "python"
    if not py.exists():
        print(f"creating the peer environment {folder} ({', '.join(requirements)}) ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(folder)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *requirements], check=True)
    return py


def run_peer(script: str, *args: str, timeout: float = 1800, env: str = "peers") -> dict:
    """Run ``benchmarks/peers/<script>`` in a peer environment; it prints one JSON line last."""
    py = peer_python(env)
    out = subprocess.run([str(py), str(HERE / "peers" / script), *map(str, args)],
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"peer script {script} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
