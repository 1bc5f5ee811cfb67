"""Lava (lava-nc 0.10, CPU, bit-accurate models): Loihi LIF cases, for coursekit.bpu's cross-check.

Usage: python lava_lif.py CASES.json
CASES.json holds a list of cases, each
    {"n": N, "steps": T, "neuron": {"du", "dv", "vth", "bias_mant", "bias_exp"},
     "a_in": T x N integers or null          -- RingBuffer -> LIF.a_in (acts in its own step),
     "rec": {"w": N x N, "weight_exp": e} or null     -- LIF.s_out -> Dense -> LIF.a_in (w is Lava's (post, pre)),
     "inp": {"w": N x M, "weight_exp": e, "spikes": T x M} or null}  -- RingBuffer spikes -> Dense -> LIF.a_in
Runs each with Loihi2SimCfg(select_tag="fixed_pt") (PyLifModelBitAcc, PyDenseModelBitAcc), records u, v and
s_out after every step with Monitors, and prints one JSON line: a list of {"u", "v", "s"} (T x N each) and
Lava's version.
"""
import json
import sys

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense
from lava.proc.io.source import RingBuffer
from lava.proc.lif.process import LIF
from lava.proc.monitor.process import Monitor


def run_case(c):
    n, steps = c["n"], c["steps"]
    lif = LIF(shape=(n,), **c["neuron"])
    if c.get("a_in") is not None:
        src = RingBuffer(data=np.asarray(c["a_in"], dtype=np.int32).T)
        src.s_out.connect(lif.a_in)
    if c.get("rec") is not None:
        rec = Dense(weights=np.asarray(c["rec"]["w"]), weight_exp=c["rec"]["weight_exp"])
        lif.s_out.connect(rec.s_in)
        rec.a_out.connect(lif.a_in)
    if c.get("inp") is not None:
        spk = RingBuffer(data=np.asarray(c["inp"]["spikes"], dtype=np.int32).T)
        inp = Dense(weights=np.asarray(c["inp"]["w"]), weight_exp=c["inp"]["weight_exp"])
        spk.s_out.connect(inp.s_in)
        inp.a_out.connect(lif.a_in)
    mu, mv, ms = Monitor(), Monitor(), Monitor()
    mu.probe(lif.u, steps)
    mv.probe(lif.v, steps)
    ms.probe(lif.s_out, steps)
    lif.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
    out = {"u": mu.get_data()[lif.name]["u"], "v": mv.get_data()[lif.name]["v"],
           "s": ms.get_data()[lif.name]["s_out"]}
    lif.stop()
    return {k: np.asarray(a).reshape(steps, n).astype(np.int64).tolist() for k, a in out.items()}


def main():
    import lava
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    results = [run_case(c) for c in cases]
    version = getattr(lava, "__version__", None)
    if version is None:
        from importlib.metadata import version as _v
        version = _v("lava-nc")
    print(json.dumps({"results": results, "lava": version}))


if __name__ == "__main__":
    main()
