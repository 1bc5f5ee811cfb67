"""The loss every gradient of this package differentiates: the masked mean squared error

    L = sum_{t,b,k} m_tbk (y_tbk - y*_tbk)^2 / sum_{t,b,k} m_tbk

(PsychRNN's and Song et al. 2016's loss, Eq. 9).  The mask ``m`` says which
time steps and outputs count (a grace period after a go cue, the steps before a
flip-flop's first pulse) and how much; it broadcasts against ``y``.
"""
from __future__ import annotations

import numpy as np


def _prepare(y, target, mask):
    y = np.asarray(y, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if target.shape != y.shape:
        raise ValueError(f"target must have the shape of the output {y.shape}, got {target.shape}")
    m = np.broadcast_to(np.asarray(mask, dtype=np.float64), y.shape) if mask is not None else np.ones(y.shape)
    if np.any(m < 0) or not np.all(np.isfinite(m)):
        raise ValueError("mask must be finite and >= 0")
    total = m.sum()
    if total <= 0:
        raise ValueError("mask must have at least one positive entry")
    return y, target, m, total


def masked_mse(y, target, mask=None) -> float:
    """``sum m (y - target)^2 / sum m``; ``mask`` broadcasts against ``y`` (None: all ones)."""
    y, target, m, total = _prepare(y, target, mask)
    return float(np.sum(m * (y - target) ** 2) / total)


def masked_mse_grad(y, target, mask=None) -> np.ndarray:
    """``dL/dy = 2 m (y - target) / sum m``, the shape of ``y``."""
    y, target, m, total = _prepare(y, target, mask)
    return 2.0 * m * (y - target) / total
