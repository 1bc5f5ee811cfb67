"""Seeded recipes that train the course's example networks in seconds.

Each recipe fixes a network, a task and a training schedule that are known to
work, and returns the :class:`~coursekit.learning.train.Training` (the trained
network is ``.net``).  The same seed gives the same network on the same
machine; on another BLAS the last digits may differ, and the tests check what
the network does (its behaviour, its fixed points), not its weights.

Why recipes and not saved weights: a recipe is a few lines of code that say
how the network was made, it cannot go stale when the model changes, and the
two below train in a few seconds on two cores.
"""
from __future__ import annotations

from .rnn import RateRNN
from .tasks import flip_flop, perceptual_decision
from .train import train


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
