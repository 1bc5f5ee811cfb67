"""Seeded recipes that train the course's example networks in seconds.

Each recipe fixes a network, a task and a training schedule that are known to
work, and returns the :class:`~coursekit.learning.train.Training` (the trained
network is ``.net``).  The same seed gives the same network on the same
machine; on another BLAS the last digits may differ, and the tests check what
the network does (its behaviour, its fixed points), not its weights.

Why recipes and not saved weights: a recipe is a few lines of code that say
how the network was made, it cannot go stale when the model changes, and the
three below train in a few seconds on two cores.
"""
from __future__ import annotations

import math

import numpy as np

from .rnn import RateRNN
from .tasks import context_dependent_integration, flip_flop, perceptual_decision
from .train import Training, train


def flip_flop_network(N: int = 16, *, seed: int = 0, n_iterations: int = 400, lr: float = 1e-2,
                      tau: float = 50.0, dt: float = 10.0):
    """A tanh network trained on the 3-bit flip-flop (Sussillo & Barak 2013).

    Trials of 1000 ms, pulses of 30 ms at 2 Hz per bit, batches of 32, Adam
    with clipping at norm 1.  With the defaults (N = 16, 400 updates, about
    5 s) the network holds all eight memories, and its dynamics at zero input
    have eight stable fixed points, one near each corner of the output cube
    (tested).  Returns the :class:`Training`.
    """
    net = RateRNN(3, N, 3, tau=tau, dt=dt, activation="tanh", seed=seed)
    return train(net, flip_flop, n_iterations=n_iterations, batch_size=32, lr=lr, seed=seed + 1,
                 task_kwargs=dict(duration=1000.0))


def perceptual_decision_network(N: int = 64, *, seed: int = 0, n_iterations: int = 600, lr: float = 3e-3,
                                sigma_rec: float = 0.05, activation: str = "tanh"):
    """A network trained on the perceptual decision (2AFC) task with the task's defaults.

    tau = 100 ms, dt = 20 ms, recurrent noise ``sigma_rec``, batches of 32,
    Adam (``lr``) with clipping at norm 1.  With the defaults (N = 64, 600
    updates, 10-20 s on two cores) it is correct on >= 98 % of the trials at
    coherences >= 12.8 % (tested).  Returns the :class:`Training`.
    """
    net = RateRNN(3, N, 2, tau=100.0, dt=20.0, activation=activation, sigma_rec=sigma_rec, seed=seed)
    return train(net, perceptual_decision, n_iterations=n_iterations, batch_size=32, lr=lr, seed=seed + 1)


def context_integration_network(N: int = 16, *, seed: int = 0, n_iterations: int = 800, lr: float = 3e-3,
                                n_finetune: int = 400, lr_finetune: float = 1e-3, tau: float = 40.0,
                                dt: float = 20.0, sigma_rec: float = 0.0, g: float = 0.3,
                                readout_scale: float = 5.0, delay: float = 600.0):
    """A tanh network trained on context-dependent integration (Mante, Sussillo, Shenoy & Newsome 2013).

    The task is :func:`~coursekit.learning.tasks.context_dependent_integration`
    with ``target="integral"``: the readout must report the running integral of
    the relevant evidence during the stimulus (800 ms = 20 tau), hold it
    through a ``delay`` of 600 ms (15 tau) and give its sign after the go cue.
    Trained on the default task (the choice as the only target, a 300 ms
    delay), or on the integral with a delay of 3 tau (tau = 100 ms), networks
    pass with transients instead -- slow points around an unstable focus
    (complex slowest eigenvalues, |Im| 0.15-0.45) that holds the readout for the
    few hundred ms asked; asking for the integral itself over many tau leaves
    them no other solution than a line attractor.

    The other choices, each measured over seeds: tau = 40 ms (alpha = 0.5);
    a small initial W_rec (spectral radius ``g`` = 0.3: training builds the
    slow mode instead of taming a chaotic one); no recurrent noise; the initial
    readout scaled by ``readout_scale`` = 5, so that the integral is carried by
    small rates in tanh's near-linear range and its line stays straight
    (the first principal component of its slow points explained >= 90.7 % of
    their variance in each of 64 seeds, against as little as 77 % in 48 seeds
    at scale 3);
    ``n_iterations`` updates at ``lr``, then ``n_finetune`` at ``lr_finetune``
    (fresh Adam state), which lifts the accuracy at 5 % coherence (median over
    48 seeds, at readout scale 3) from 0.80 to 0.97.  Batches of 32, clipping
    at norm 1.

    With the defaults (N = 16, 800 + 400 updates, 10-15 s on two cores) the
    network has, under each context cue alone, a line of slow points along
    which the readout changes monotonically, one Jacobian eigenvalue near 0
    and the others clearly negative, and a selection vector (the left
    eigenvector of the slow eigenvalue) that picks the context's relevant
    input (tests/test_learning_line_attractor.py states the measured margins).
    Returns the :class:`Training` (``loss`` and ``grad_norm`` of both phases,
    ``seconds`` their sum).
    """
    if not (isinstance(readout_scale, (int, float)) and math.isfinite(readout_scale) and readout_scale > 0):
        raise ValueError(f"readout_scale must be > 0 (factor on the initial W_out, dimensionless), "
                         f"got {readout_scale!r}")
    if isinstance(n_finetune, bool) or not isinstance(n_finetune, int) or n_finetune < 0:
        raise ValueError(f"n_finetune must be an integer >= 0 (updates), got {n_finetune!r}")
    net = RateRNN(5, N, 1, tau=tau, dt=dt, activation="tanh", sigma_rec=sigma_rec, g=g, seed=seed)
    params = dict(net.params)
    params["W_out"] = params["W_out"] * readout_scale
    net = net.with_params(params)
    task_kwargs = dict(target="integral", delay=delay)
    run = train(net, context_dependent_integration, n_iterations=n_iterations, batch_size=32, lr=lr,
                seed=seed + 1, task_kwargs=task_kwargs)
    if n_finetune == 0:
        return run
    fine = train(run.net, context_dependent_integration, n_iterations=n_finetune, batch_size=32, lr=lr_finetune,
                 seed=seed + 2, task_kwargs=task_kwargs)
    return Training(fine.net, np.concatenate([run.loss, fine.loss]), np.concatenate([run.grad_norm, fine.grad_norm]),
                    run.seconds + fine.seconds, run.method)
