"""Checking gradients: central finite differences, relative error, cosine similarity.

A central difference ``(L(theta + h e_i) - L(theta - h e_i)) / 2h`` has error
``h^2 L'''/6`` (truncation) plus ``~ eps |L| / h`` (rounding, eps = 2.2e-16):
with h = 1e-5 both are near 1e-10 relative for a smooth loss of order one,
far below the 1e-6 an exact gradient must meet.  Non-smooth points (ReLU's
kink at x = 0) break the check; keep currents away from them.
"""
from __future__ import annotations

import numpy as np


def numerical_gradient(loss_fn, params, h: float = 1e-5) -> dict:
    """Central-difference gradient of ``loss_fn(params) -> float`` for a dict of arrays.

    Every entry of every array is perturbed by +h and -h in turn (2 P calls of
    ``loss_fn`` for P parameters); ``params`` is left unchanged.
    """
    if not (h > 0 and np.isfinite(h)):
        raise ValueError(f"h must be > 0, got {h!r}")
    work = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    grads = {}
    for name, arr in work.items():
        g = np.zeros_like(arr)
        flat = arr.reshape(-1)  # a view: perturbing it perturbs work[name]
        gflat = g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            plus = loss_fn(work)
            flat[i] = old - h
            minus = loss_fn(work)
            flat[i] = old
            gflat[i] = (plus - minus) / (2.0 * h)
        grads[name] = g
    return grads


def _flat(grads, names=None):
    if isinstance(grads, dict):
        names = sorted(grads) if names is None else names
        return np.concatenate([np.ravel(grads[k]) for k in names])
    return np.ravel(np.asarray(grads, dtype=np.float64))


def relative_error(a, b) -> float:
    """``||a - b|| / max(||a||, ||b||)`` over all entries (dicts of arrays with the same keys, or arrays)."""
    names = sorted(a) if isinstance(a, dict) else None
    if names is not None and set(a) != set(b):
        raise ValueError(f"the gradients have different keys: {sorted(a)} and {sorted(b)}")
    x, y = _flat(a, names), _flat(b, names)
    scale = max(np.linalg.norm(x), np.linalg.norm(y))
    return 0.0 if scale == 0 else float(np.linalg.norm(x - y) / scale)


def cosine_similarity(a, b) -> float:
    """``a . b / (||a|| ||b||)`` over all entries (dicts with the same keys, or arrays)."""
    names = sorted(a) if isinstance(a, dict) else None
    if names is not None and set(a) != set(b):
        raise ValueError(f"the gradients have different keys: {sorted(a)} and {sorted(b)}")
    x, y = _flat(a, names), _flat(b, names)
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    if nx == 0 or ny == 0:
        raise ValueError("cosine similarity of a zero gradient is undefined")
    return float(x @ y / (nx * ny))


def rnn_loss_function(net, u, target, mask, *, r0=None, noise=None):
    """``params -> loss`` of ``net`` on one fixed batch, for :func:`numerical_gradient`.

    A noisy network (sigma_rec > 0) needs ``noise``: the realisation the
    analytic gradient was computed with, held fixed for every evaluation.
    """
    if noise is None and net.sigma_rec > 0:
        raise ValueError("net has sigma_rec > 0: pass noise= (the realisation given to the gradient) so that "
                         "every evaluation sees the same noise")

    def loss_fn(params):
        return net.with_params(params).loss(u, target, mask, r0=r0, noise=noise)

    return loss_fn
