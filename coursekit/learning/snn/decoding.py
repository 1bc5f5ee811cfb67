"""Decoders: from the network's output over time to a class, by name (:func:`decode`).

* ``"mean_membrane"`` -- the class whose readout y has the largest mean over
  time (what the ``"mean"`` loss trains);
* ``"max_membrane"``  -- the largest maximum over time (the ``"max"`` loss);
* ``"count"``         -- the most spikes, for spiking outputs z (T, B, n);
* ``"first_spike"``   -- the earliest first spike (ties broken by the larger
  count; a trial without any spike gets the class with the largest count, 0).
"""
from __future__ import annotations

import numpy as np

DECODERS = ("mean_membrane", "max_membrane", "count", "first_spike")


def decode(output, method="mean_membrane", mask=None):
    """Classes (B,) from an output (T, B, n_classes) by name; ``mask`` (T,) weights the mean membrane."""
    if method not in DECODERS:
        raise ValueError(f"method must be one of {', '.join(DECODERS)}, got {method!r}")
    out = np.asarray(output, dtype=np.float64)
    if out.ndim != 3:
        raise ValueError(f"output must have shape (T, B, n_classes), got {out.shape}")
    if method == "mean_membrane":
        w = np.ones(out.shape[0]) if mask is None else np.asarray(mask, dtype=np.float64)
        return np.argmax(np.einsum("t,tbo->bo", w, out), axis=1)
    if method == "max_membrane":
        return np.argmax(out.max(axis=0), axis=1)
    counts = out.sum(axis=0)
    if method == "count":
        return np.argmax(counts, axis=1)
    T = out.shape[0]
    fired = out > 0
    first = np.where(fired.any(axis=0), np.argmax(fired, axis=0), T)  # (B, n): step of the first spike, T if none
    # earliest first; among equally early ones, the larger count
    key = first - counts / (counts.max() + 1.0)
    return np.argmin(key, axis=1)
