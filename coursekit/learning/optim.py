"""Adam (Kingma & Ba 2015, Algorithm 1) and gradient-norm clipping (Pascanu et al. 2013).

Adam keeps running averages of the gradient and of its square, per parameter:

    m <- beta1 m + (1 - beta1) g,          v <- beta2 v + (1 - beta2) g^2
    m^ = m / (1 - beta1^t),                 v^ = v / (1 - beta2^t)       (bias correction, t = 1, 2, ...)
    theta <- theta - lr m^ / (sqrt(v^) + eps)

so every parameter moves by about ``lr`` per step whatever the scale of its
gradient (the first step is exactly ``-lr sign(g)`` up to eps).  Clipping
rescales the whole gradient when its norm exceeds ``max_norm``, keeping its
direction: the cure for the occasional exploding gradient of a recurrent network.
"""
from __future__ import annotations

import math

import numpy as np


def _check(value, name, low, high, what):
    if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and low < value < high):
        raise ValueError(f"{name} must be in ({low:g}, {high:g}) ({what}), got {value!r}")
    return float(value)


def global_norm(grads) -> float:
    """The Euclidean norm of all gradients together (a dict of arrays)."""
    return float(math.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))


def clip_by_norm(grads, max_norm: float):
    """Rescale ``grads`` (a dict of arrays) so that their global norm is at most ``max_norm``.

    Returns ``(clipped, norm)`` with the norm before clipping; the input is not changed.
    """
    max_norm = _check(max_norm, "max_norm", 0.0, math.inf, "largest allowed gradient norm")
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return {k: g * scale for k, g in grads.items()}, norm


class Adam:
    """Adam optimiser.

    Parameters
    ----------
    lr : float
        Step size (> 0), default 1e-3.
    beta1, beta2 : float
        Decay rates of the first and second moments, in (0, 1); defaults 0.9, 0.999.
    eps : float
        Added to sqrt(v^) (> 0), default 1e-8.

    ``step(params, grads)`` returns new parameters (the inputs are not changed)
    and advances the optimiser's state (``m``, ``v``, ``t``).
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = _check(lr, "lr", 0.0, math.inf, "learning rate")
        self.beta1 = _check(beta1, "beta1", 0.0, 1.0, "decay of the first moment")
        self.beta2 = _check(beta2, "beta2", 0.0, 1.0, "decay of the second moment")
        self.eps = _check(eps, "eps", 0.0, math.inf, "regulariser of the denominator")
        self.t = 0
        self.m = None
        self.v = None

    def step(self, params, grads) -> dict:
        if self.m is None:
            self.m = {k: np.zeros_like(p, dtype=np.float64) for k, p in params.items()}
            self.v = {k: np.zeros_like(p, dtype=np.float64) for k, p in params.items()}
        if set(grads) != set(self.m):
            raise ValueError(f"grads must have the keys {sorted(self.m)}, got {sorted(grads)}")
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        new = {}
        for k, p in params.items():
            g = grads[k]
            self.m[k] = self.beta1 * self.m[k] + (1.0 - self.beta1) * g
            self.v[k] = self.beta2 * self.v[k] + (1.0 - self.beta2) * g * g
            new[k] = p - self.lr * (self.m[k] / c1) / (np.sqrt(self.v[k] / c2) + self.eps)
        return new
