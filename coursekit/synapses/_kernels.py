"""Stepping kernel shared by the synapse models (module level, cached)."""
import numpy as np

from .._jit import njit


@njit
def run_linear(y0, P_off, c_off, P_on, c_on, on, jump, e):
    """Step ``y <- P y + c`` (``P_on``/``c_on`` where ``on[k]``), with the
    spike increments ``jump[k] * e`` applied at the start of step ``k``.

    Returns ``Y`` of shape ``(nsteps + 1, d)``: ``Y[k]`` is the state at
    ``t_k`` just after that time's increments (right-continuous).
    """
    n = on.shape[0]
    d = y0.shape[0]
    Y = np.empty((n + 1, d))
    y = y0.copy()
    tmp = np.empty(d)
    for k in range(n):
        w = jump[k]
        if w != 0.0:
            for i in range(d):
                y[i] += w * e[i]
        for i in range(d):
            Y[k, i] = y[i]
        if on[k]:
            for i in range(d):
                s = c_on[i]
                for j in range(d):
                    s += P_on[i, j] * y[j]
                tmp[i] = s
        else:
            for i in range(d):
                s = c_off[i]
                for j in range(d):
                    s += P_off[i, j] * y[j]
                tmp[i] = s
        for i in range(d):
            y[i] = tmp[i]
    for i in range(d):
        Y[n, i] = y[i]
    return Y
