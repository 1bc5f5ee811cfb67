"""What the two online methods share: checking their options, the presynaptic input of a step, the
per-step loss and its error, and the readout's exact online gradient."""
from __future__ import annotations

import numpy as np

from .loss import check_kind, check_labels, log_softmax, time_weights


def prepare(net, u, labels, loss, mask, method):
    if check_kind(loss) != "per_step":
        raise ValueError(f"loss must be 'per_step' for {method}: an online method knows the error of step t at "
                         f"step t only when every step has its own loss (got {loss!r}; use bptt or forward_mode "
                         "for the others)")
    u = net.check_inputs(u)
    T, B, _ = u.shape
    labels = check_labels(labels, B, net.n_out)
    onehot = np.zeros((B, net.n_out))
    onehot[np.arange(B), labels] = 1.0
    return u, labels, StepWeights(mask, T, B), onehot


class StepWeights:
    """The per-step loss's weights of step t, ``m_t / sum m`` (B,), without a (T, B) array when mask is None."""

    def __init__(self, mask, T, B):
        if mask is None:
            self.m, self.total = None, float(T * B)
        else:
            m = time_weights(mask, T, B) if np.ndim(mask) != 1 else np.asarray(mask, dtype=np.float64)
            if m.ndim == 1:
                time_weights(m, T, 1)  # validates the (T,) mask
                self.total = float(B * m.sum())
            else:
                self.total = float(m.sum())
            self.m = m
        self.B = B

    def __getitem__(self, t):
        if self.m is None:
            return np.full(self.B, 1.0 / self.total)
        row = self.m[t]
        return np.broadcast_to(row / self.total, (self.B,)) if np.ndim(row) == 0 else row / self.total


def presynaptic(net, u_t, z_prev):
    """The inputs a hidden neuron's weights multiply at this step, [u_t, z_{t-1} (recurrent), 1] (B, n_pre)."""
    parts = [u_t]
    if net.hidden.recurrent:
        parts.append(z_prev)
    parts.append(np.ones((u_t.shape[0], 1)))
    return np.concatenate(parts, axis=1)


def step_error(y_t, w_t, onehot, labels):
    """(loss share, dL/dy_t) of the per-step cross-entropy at this step (w_t: the step's weights (B,))."""
    ls = log_softmax(y_t)
    B = y_t.shape[0]
    return -float(np.sum(w_t * ls[np.arange(B), labels])), w_t[:, None] * (np.exp(ls) - onehot)


def split(net, g_pre):
    """The (N, n_pre) gradient of the presynaptic weights split into W_in, W_rec (diagonal 0), b."""
    n_in = net.n_in
    out = {"W_in": g_pre[:, :n_in].copy()}
    if net.hidden.recurrent:
        g = g_pre[:, n_in:n_in + net.N].copy()
        np.fill_diagonal(g, 0.0)
        out["W_rec"] = g
    out["b"] = g_pre[:, -1].copy()
    return out
