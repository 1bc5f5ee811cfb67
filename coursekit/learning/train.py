"""A plain training loop: draw a batch of trials, compute the loss and its
gradient (by a named method), clip, take an Adam step; repeat.

    >>> from functools import partial
    >>> from coursekit.learning import RateRNN, train, perceptual_decision
    >>> net = RateRNN(3, 64, 2, seed=0)
    >>> run = train(net, perceptual_decision, n_iterations=500, seed=1)
    >>> run.net, run.loss            # the trained copy; the loss of each batch

The network given is not changed; :attr:`Training.net` is a trained copy.
Each batch has fresh trials and fresh recurrent noise, both drawn from
``seed``, so a run is reproducible.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .bptt import bptt
from .eprop import eprop
from .optim import Adam, clip_by_norm
from .rtrl import rtrl

#: the gradient methods :func:`train` can use, by name (all share one signature)
GRADIENTS = {"bptt": bptt, "rtrl": rtrl, "eprop": eprop}


@dataclass
class Training:
    """The outcome of :func:`train`.

    Attributes
    ----------
    net : RateRNN
        The trained network (a copy).
    loss : ndarray (n_iterations,)
        Loss of each training batch (before its update).
    grad_norm : ndarray (n_iterations,)
        Global gradient norm of each batch, before clipping.
    seconds : float
        Wall-clock time of the loop (s).
    method : str
        The gradient method used.
    """

    net: object
    loss: np.ndarray
    grad_norm: np.ndarray
    seconds: float
    method: str


def train(net, task, *, n_iterations=1000, batch_size=32, lr=1e-3, clip=1.0, gradient="bptt", seed=None,
          task_kwargs=None, stop_loss=None, callback=None) -> Training:
    """Train ``net`` on ``task`` with Adam and gradient-norm clipping.

    Parameters
    ----------
    net : RateRNN
        Initial network (not changed).
    task : callable
        ``task(batch_size, seed=rng, **task_kwargs) -> Trials``, e.g.
        :func:`coursekit.learning.tasks.perceptual_decision`.  Its ``dt`` is set
        to ``net.dt`` unless ``task_kwargs`` gives one (which must then equal it).
    n_iterations : int
        Number of batches (updates), default 1000.
    batch_size : int
        Trials per batch, default 32.
    lr : float
        Adam's step size, default 1e-3.
    clip : float or None
        Largest gradient norm (default 1.0); None for no clipping.
    gradient : {"bptt", "rtrl", "eprop"}
        How the gradient is computed (:data:`GRADIENTS`).
    seed : int or Generator, optional
        Seed of the trials and of the recurrent noise.
    task_kwargs : dict, optional
        Further arguments of ``task``.
    stop_loss : float, optional
        Stop early once the mean loss of the last 10 batches is below it.
    callback : callable, optional
        ``callback(iteration, loss, net)`` after each update; return True to stop.
    """
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {', '.join(GRADIENTS)}, got {gradient!r}")
    for name, value in (("n_iterations", n_iterations), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if clip is not None and not (isinstance(clip, (int, float)) and math.isfinite(clip) and clip > 0):
        raise ValueError(f"clip must be > 0 (largest gradient norm) or None, got {clip!r}")
    kwargs = dict(task_kwargs or {})
    if "dt" in kwargs and kwargs["dt"] != net.dt:
        raise ValueError(f"the task's dt ({kwargs['dt']!r} ms) must equal the network's dt ({net.dt:g} ms)")
    kwargs["dt"] = net.dt
    grad_fn = GRADIENTS[gradient]
    rng = np.random.default_rng(seed)
    opt = Adam(lr=lr)
    current = net.copy()
    losses = np.full(n_iterations, np.nan)
    norms = np.full(n_iterations, np.nan)
    t0 = time.perf_counter()
    for it in range(n_iterations):
        trials = task(batch_size, seed=rng, **kwargs)
        T, B, _ = trials.inputs.shape
        noise = current.sample_noise(T, B, rng)
        loss, grads = grad_fn(current, trials.inputs, trials.targets, trials.mask, noise=noise)
        if not math.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss} at iteration {it}; lower lr or set clip")
        if clip is not None:
            grads, norm = clip_by_norm(grads, clip)
        else:
            norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
        current = current.with_params(opt.step(current.params, grads))
        losses[it], norms[it] = loss, norm
        if callback is not None and callback(it, loss, current):
            break
        if stop_loss is not None and it >= 9 and np.mean(losses[it - 9:it + 1]) < stop_loss:
            break
    done = int(np.sum(np.isfinite(losses)))
    return Training(current, losses[:done], norms[:done], time.perf_counter() - t0, gradient)
