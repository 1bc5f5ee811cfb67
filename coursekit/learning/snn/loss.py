"""The classification loss every gradient of this package differentiates: cross-entropy of the readout.

The readout y (T, B, n_out) is turned into class scores in one of four ways
(``kind``), with optional time weights m_t >= 0 (``mask``, shape (T,) or (T, B)):

* ``"mean"``  -- logits = sum_t m_t y_t / sum_t m_t, L = mean_b CE(logits_b, label_b)
  (Bellec et al. 2020; the default);
* ``"max"``   -- logits = max_t y_t (Zenke & Vogels 2021's max-over-time readout);
* ``"last"``  -- logits = y_{T-1};
* ``"per_step"`` -- L = sum_t m_t mean_b CE(y_t,b, label_b) / sum_t m_t, a loss
  at every step (OTTT, Xiao et al. 2022), so that the error of step t is known
  at step t: the only kind the online methods (:mod:`.eprop`, :mod:`.online`)
  accept, since they never store the past.

``CE(s, c) = -log softmax(s)_c``.  :func:`readout_loss` returns the loss, its
gradient ``dL/dy_t`` (T, B, n_out) and the logits (for ``"per_step"``: the
mask-weighted mean of y, which is also what :func:`.decoding.decode` uses).
"""
from __future__ import annotations

import numpy as np

LOSSES = ("mean", "max", "last", "per_step")


def log_softmax(s):
    s = np.asarray(s, dtype=np.float64)
    m = np.max(s, axis=-1, keepdims=True)
    return s - m - np.log(np.sum(np.exp(s - m), axis=-1, keepdims=True))


def check_labels(labels, B, n_out):
    labels = np.asarray(labels)
    if labels.shape != (B,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {B} integers (one per trial), got shape {labels.shape} of {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_out):
        raise ValueError(f"labels must be in [0, {n_out - 1}] (class indices), got {labels.min()}..{labels.max()}")
    return labels.astype(np.int64)


def time_weights(mask, T, B):
    """The time weights (T, B) of ``mask`` (None: all ones)."""
    if mask is None:
        return np.ones((T, B))
    m = np.asarray(mask, dtype=np.float64)
    if m.shape == (T,):
        m = np.repeat(m[:, None], B, axis=1)
    if m.shape != (T, B):
        raise ValueError(f"mask must have shape (T,) = ({T},) or (T, B) = ({T}, {B}), got {m.shape}")
    if np.any(m < 0) or not np.all(np.isfinite(m)) or np.any(m.sum(axis=0) <= 0):
        raise ValueError("mask must be finite, >= 0 and have a positive entry in every trial")
    return m


def check_kind(kind):
    if kind not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {kind!r}")
    return kind


def readout_loss(y, labels, kind="mean", mask=None):
    """Cross-entropy of the readout y (T, B, n_out) for integer ``labels`` (B,).

    Returns ``(loss, dL/dy, logits)`` with dL/dy of shape (T, B, n_out) and logits (B, n_out).
    """
    kind = check_kind(kind)
    y = np.asarray(y, dtype=np.float64)
    T, B, n_out = y.shape
    labels = check_labels(labels, B, n_out)
    m = time_weights(mask, T, B)
    onehot = np.zeros((B, n_out))
    onehot[np.arange(B), labels] = 1.0
    gy = np.zeros_like(y)
    w = m / m.sum(axis=0, keepdims=True)  # (T, B), sums to 1 over t
    logits = np.einsum("tb,tbo->bo", w, y)
    if kind == "per_step":
        # L = sum_tb m_tb CE_tb / sum_tb m_tb: with m all ones, the mean over steps and trials
        ls = log_softmax(y)
        wt = m / m.sum()
        loss = float(-np.sum(wt * ls[:, np.arange(B), labels]))
        gy = wt[:, :, None] * (np.exp(ls) - onehot[None])
        return loss, gy, logits
    if kind == "max":
        idx = np.argmax(y, axis=0)  # (B, n_out): the first step of each maximum
        logits = np.take_along_axis(y, idx[None], axis=0)[0]
    elif kind == "last":
        logits = y[-1].copy()
    ls = log_softmax(logits)
    loss = float(-np.mean(ls[np.arange(B), labels]))
    g_logits = (np.exp(ls) - onehot) / B
    if kind == "mean":
        gy = w[:, :, None] * g_logits[None]
    elif kind == "max":
        bb, oo = np.meshgrid(np.arange(B), np.arange(n_out), indexing="ij")
        gy[idx, bb, oo] = g_logits
    else:
        gy[-1] = g_logits
    return loss, gy, logits


def network_loss(net, u, labels, *, loss="mean", mask=None, regulariser=None, smooth=False):
    """The total loss ``L = CE + L_reg`` of :class:`.layers.SpikingNetwork` ``net`` on inputs u (T, B, n_in).

    What every gradient method of this package differentiates (``smooth=True``:
    the smooth network of :meth:`.layers.SpikingNetwork.run`).
    """
    from .regularisation import regularisation

    traj = net.run(u, smooth=smooth)
    ce, _, _ = readout_loss(traj.y, labels, loss, mask)
    l_reg, _ = regularisation(regulariser, traj.z, net.dt)
    return ce + l_reg
