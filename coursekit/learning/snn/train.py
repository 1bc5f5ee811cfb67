"""A training loop for :class:`.layers.SpikingNetwork`: encode a batch, compute the loss and its
gradient by a named method, clip, take an Adam step (:mod:`coursekit.learning.optim`); repeat.

    >>> from coursekit.learning.snn import (LIF, Readout, SpikingNetwork, digits_split, train)
    >>> X, y, X_test, y_test = digits_split(seed=0)
    >>> net = SpikingNetwork(64, LIF(100), Readout(10), seed=0)
    >>> run = train(net, X, y, encoding="current", T=25, epochs=20, seed=1, test=(X_test, y_test))
    >>> run.test_accuracy[-1], run.seconds

The network given is not changed; :attr:`SNNTraining.net` is the trained copy.
Stochastic encodings draw fresh spikes for every batch, from ``seed``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..._blas import single_threaded_blas
from ..optim import Adam, clip_by_norm
from .bptt import bptt
from .decoding import decode
from .encoding import encode
from .eprop import eprop
from .forward import forward_mode
from .online import online

#: the gradient methods :func:`train` can use, by name (one signature: ``(net, u, labels, **options)``)
GRADIENTS = {"bptt": bptt, "forward": forward_mode, "eprop": eprop, "online": online}


@dataclass
class SNNTraining:
    """The outcome of :func:`train`.

    net : the trained network (a copy); loss : the loss of each batch; test_accuracy,
    train_accuracy : after each epoch (empty without ``test``); seconds : wall-clock
    time of the loop (s), evaluation excluded; method : the gradient used.
    """

    net: object
    loss: np.ndarray
    test_accuracy: list = field(default_factory=list)
    seconds: float = 0.0
    method: str = "bptt"


def _inputs(X, idx, encoding, T, encoding_kwargs, rng):
    if encoding is None:  # already sequences (T, n_trials, n_in)
        return X[:, idx]
    return encode(X[idx], encoding, T, seed=rng, **encoding_kwargs)


def accuracy(net, X, labels, *, encoding="current", T=25, encoding_kwargs=None, decoder="mean_membrane", mask=None,
             seed=None, batch_size=500):
    """Fraction of trials whose decoded class (:func:`.decoding.decode`) is the label.

    X is static data (n_trials, n) encoded by ``encoding`` for T steps, or, with
    ``encoding=None``, input sequences (T, n_trials, n_in).
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    n = X.shape[1] if encoding is None else X.shape[0]
    correct = 0
    with single_threaded_blas():
        for start in range(0, n, batch_size):
            idx = np.arange(start, min(n, start + batch_size))
            u = _inputs(X, idx, encoding, T, dict(encoding_kwargs or {}), rng)
            traj = net.run(u)
            out = traj.z if decoder in ("count", "first_spike") else traj.y
            correct += int(np.sum(decode(out, decoder, mask=mask) == labels[idx]))
    return correct / n


def train(net, X, labels, *, encoding="current", T=25, encoding_kwargs=None, method="bptt", loss="mean", mask=None,
          regulariser=None, epochs=10, batch_size=64, lr=2e-3, clip=None, seed=None, test=None, method_kwargs=None,
          callback=None) -> SNNTraining:
    """Train ``net`` with Adam on (X, labels).

    Parameters
    ----------
    net : SpikingNetwork
        Initial network (not changed).
    X : array
        Static data (n_trials, n) in [0, 1], encoded by ``encoding`` for T steps
        at every batch; or, with ``encoding=None``, input sequences (T, n_trials, n_in).
    labels : int array (n_trials,)
    encoding : str or None
        :func:`.encoding.encode`'s method, default ``"current"``.
    method : {"bptt", "forward", "eprop", "online"}
        The gradient (:data:`GRADIENTS`).
    loss, mask, regulariser :
        As in :func:`.bptt.bptt`.
    epochs, batch_size : int
        Passes over the data (shuffled every epoch) and trials per batch.
    lr : float
        Adam's step size, default 2e-3.
    clip : float or None
        Largest gradient norm, default None (no clipping).
    test : (X_test, labels_test), optional
        Evaluated after every epoch (decoder matching the loss: the maximum for
        ``"max"``, the masked mean otherwise).
    method_kwargs : dict, optional
        Further options of the gradient method (e.g. e-prop's ``feedback``).
    callback : callable, optional
        ``callback(epoch, net)`` after every epoch; return True to stop.
    """
    if method not in GRADIENTS:
        raise ValueError(f"method must be one of {', '.join(GRADIENTS)}, got {method!r}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer (range >= 1), got {value!r}")
    if clip is not None and not (isinstance(clip, (int, float)) and math.isfinite(clip) and clip > 0):
        raise ValueError(f"clip must be > 0 (largest gradient norm) or None, got {clip!r}")
    labels = np.asarray(labels)
    n = X.shape[1] if encoding is None else X.shape[0]
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {labels.shape}")
    grad_fn = GRADIENTS[method]
    enc_kw = dict(encoding_kwargs or {})
    extra = dict(method_kwargs or {})
    rng = np.random.default_rng(seed)
    opt = Adam(lr=lr)
    current = net.copy()
    losses = []
    accs = []
    decoder = "max_membrane" if loss == "max" else "mean_membrane"
    seconds = 0.0
    with single_threaded_blas():
        current, losses, accs, seconds = _loop(current, X, labels, n, encoding, T, enc_kw, grad_fn, loss, mask,
                                               regulariser, extra, clip, opt, rng, epochs, batch_size, test,
                                               decoder, callback)
    return SNNTraining(current, np.asarray(losses), accs, seconds, method)


def _loop(current, X, labels, n, encoding, T, enc_kw, grad_fn, loss, mask, regulariser, extra, clip, opt, rng,
          epochs, batch_size, test, decoder, callback):
    losses, accs, seconds = [], [], 0.0
    for epoch in range(epochs):
        t0 = time.perf_counter()
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            u = _inputs(X, idx, encoding, T, enc_kw, rng)
            value, grads = grad_fn(current, u, labels[idx], loss=loss, mask=mask, regulariser=regulariser, **extra)
            if not math.isfinite(value):
                raise FloatingPointError(f"the loss became {value} in epoch {epoch}; lower lr or set clip")
            if clip is not None:
                grads, _ = clip_by_norm(grads, clip)
            current = current.with_params(opt.step(current.params, grads))
            losses.append(value)
        seconds += time.perf_counter() - t0
        if test is not None:
            accs.append(accuracy(current, test[0], test[1], encoding=encoding, T=T, encoding_kwargs=enc_kw,
                                 decoder=decoder, mask=mask, seed=rng))
        if callback is not None and callback(epoch, current):
            break
    return current, losses, accs, seconds
