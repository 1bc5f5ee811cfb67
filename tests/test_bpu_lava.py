"""coursekit.bpu's Loihi LIF against Lava itself, bit for bit (u, v and spikes at every step).

Lava (lava-nc 0.10, the newest release) needs Python <= 3.10 and NumPy < 2, so it runs in its own virtual
environment, ``benchmarks/.venv-lava`` (git-ignored by the ``.gitignore`` written into it), built on first use
from a Python 3.10 interpreter (``$COURSEKIT_PYTHON310``, ``python3.10`` on the PATH, or pyenv's 3.10) like the
Brian2 peer of the benchmarks; ``$COURSEKIT_LAVA_PYTHON`` may point at an interpreter that has Lava already.
Where it cannot be built, the test skips and says why.  One Lava process runs every case
(benchmarks/peers/lava_lif.py, Lava's bit-accurate LIF and Dense on the CPU).
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coursekit.bpu import Core, LoihiLIF, lava_weights

pytestmark = pytest.mark.slow   # builds a Python 3.10 environment on first use (about a minute), then ~20 s

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_bpu_loihi import VECTORS  # noqa: E402  (the hand-derived vectors go to Lava as they are)

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "benchmarks" / ".venv-lava"
PEER = ROOT / "benchmarks" / "peers" / "lava_lif.py"
REQUIREMENTS = ["lava-nc==0.10.0", "numpy<2"]


def _python310() -> str | None:
    candidates = [os.environ.get("COURSEKIT_PYTHON310"), shutil.which("python3.10"),
                  *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))]
    for c in candidates:
        if not c:
            continue
        try:
            ok = subprocess.run([c, "-c", "import sys, venv; assert sys.version_info[:2] == (3, 10)"],
                                capture_output=True, timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return c
    return None


def lava_python() -> str:
    """An interpreter with lava-nc 0.10, building benchmarks/.venv-lava if needed; skip if impossible."""
    if os.environ.get("COURSEKIT_LAVA_PYTHON"):
        return os.environ["COURSEKIT_LAVA_PYTHON"]
    py = VENV / "bin" / "python"
    marker = VENV / ".lava-installed"
    if marker.exists() and py.exists():
        return str(py)
    base = _python310()
    if base is None:
        pytest.skip("Lava cross-check skipped: lava-nc 0.10 needs Python 3.10 (it does not install on newer "
                    "Pythons) and none was found (set COURSEKIT_PYTHON310 or install python3.10)")
    shutil.rmtree(VENV, ignore_errors=True)
    try:
        subprocess.run([base, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        (VENV / ".gitignore").write_text("*\n")
        out = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              *REQUIREMENTS], capture_output=True, text=True, timeout=1200)
    except (OSError, subprocess.SubprocessError) as e:
        pytest.skip(f"Lava cross-check skipped: could not create the Python 3.10 environment {VENV.name}: {e}")
    if out.returncode != 0:
        pytest.skip("Lava cross-check skipped: lava-nc 0.10 could not be installed in a Python 3.10 environment "
                    f"(pip install {' '.join(REQUIREMENTS)}): {out.stderr.strip().splitlines()[-1:]}")
    marker.write_text(" ".join(REQUIREMENTS) + "\n")
    return str(py)


def _cases():
    cases = {}
    for name, (params, a_in, *_rest) in VECTORS.items():
        cases[f"vector_{name}"] = dict(n=a_in.shape[1], steps=a_in.shape[0], neuron=params, a_in=a_in)
    rng = np.random.default_rng(17)
    a_in = rng.integers(-4000, 4000, (400, 6))
    a_in[rng.random(a_in.shape) < 0.05] = 30000           # bursts that wrap u and saturate v
    a_in[rng.random(a_in.shape) < 0.05] = -30000
    cases["random_drive"] = dict(n=6, steps=400, neuron=dict(du=37, dv=911, vth=9000, bias_mant=-777, bias_exp=3),
                                 a_in=a_in)
    n, m, steps = 40, 12, 300
    rec = rng.integers(-256, 256, (n, n)) * (rng.random((n, n)) < 0.2)
    np.fill_diagonal(rec, 0)
    inp = rng.integers(-256, 256, (n, m)) * (rng.random((n, m)) < 0.5)
    cases["network_mixed"] = dict(
        n=n, steps=steps, neuron=dict(du=300, dv=150, vth=80, bias_mant=40, bias_exp=2),
        a_in=rng.integers(-20, 30, (steps, n)),
        rec=dict(w=rec, weight_exp=-1), inp=dict(w=inp, weight_exp=2, spikes=rng.random((steps, m)) < 0.1))
    rec_exc = rng.integers(0, 128, (n, n)) * (rng.random((n, n)) < 0.2)
    np.fill_diagonal(rec_exc, 0)
    inp_inh = -2 * rng.integers(0, 128, (n, m)) * (rng.random((n, m)) < 0.5)
    cases["network_one_sign"] = dict(
        n=n, steps=steps, neuron=dict(du=4095, dv=60, vth=30, bias_mant=500, bias_exp=1),
        rec=dict(w=rec_exc, weight_exp=-3), inp=dict(w=inp_inh, weight_exp=0,
                                                     spikes=rng.random((steps, m)) < 0.15))
    return cases


CASES = _cases()


def _emulate(c):
    """The same case on coursekit's core (Lava's Dense matrices are (post, pre): transposed here)."""
    rec = lava_weights(np.asarray(c["rec"]["w"]).T, c["rec"]["weight_exp"]) if c.get("rec") else None
    inp = lava_weights(np.asarray(c["inp"]["w"]).T, c["inp"]["weight_exp"]) if c.get("inp") else None
    core = Core(LoihiLIF(**c["neuron"]), c["n"], recurrent=rec, inputs=inp)
    spikes = None
    if inp is not None:          # Lava delivers the spikes of data column t at step t + 1
        emitted = np.asarray(c["inp"]["spikes"], bool)
        spikes = np.zeros_like(emitted)
        spikes[1:] = emitted[:-1]
    a_in = np.asarray(c["a_in"]) if c.get("a_in") is not None else None
    r = core.run(c["steps"], current=a_in, input_spikes=spikes, record="all")
    return r.state("u"), r.state("v"), r.spikes


def _jsonable(c):
    out = {}
    for k, v in c.items():
        if isinstance(v, dict):
            v = _jsonable(v)
        elif isinstance(v, np.ndarray):
            v = v.astype(np.int64).tolist()
        out[k] = v
    return out


@pytest.fixture(scope="module")
def lava_results(tmp_path_factory):
    py = lava_python()
    path = tmp_path_factory.mktemp("lava") / "cases.json"
    names = sorted(CASES)
    path.write_text(json.dumps([_jsonable(CASES[k]) for k in names]))
    out = subprocess.run([py, str(PEER), str(path)], capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        pytest.fail(f"the Lava peer failed:\n{out.stderr[-3000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["lava"].startswith("0.10"), data["lava"]
    return dict(zip(names, data["results"]))


@pytest.mark.parametrize("name", sorted(CASES))
def test_loihi_lif_equals_lava_bit_for_bit(lava_results, name):
    lava = lava_results[name]
    u, v, s = _emulate(CASES[name])
    np.testing.assert_array_equal(u, np.array(lava["u"]), err_msg=f"u differs from Lava in {name}")
    np.testing.assert_array_equal(v, np.array(lava["v"]), err_msg=f"v differs from Lava in {name}")
    np.testing.assert_array_equal(s, np.array(lava["s"]) != 0, err_msg=f"spikes differ from Lava in {name}")
    if name.startswith("network"):
        assert s.sum() > 50                        # the synapses carry spikes, not only the drive
    if name == "random_drive":
        assert np.abs(v).max() == 2 ** 23 - 1      # saturation reached
        assert np.any(np.abs(np.diff(u, axis=0)) > 2 ** 23)   # a wrap-around happened
