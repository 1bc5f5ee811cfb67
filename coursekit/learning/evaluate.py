"""Behaviour of a trained network: its choices, accuracy and psychometric curve.

Data in, data out: these functions run the network on trials and score what it
does; plotting is elsewhere.  A choice is read from the readout averaged over
the steps of the ``decision`` epoch that the mask counts (after the grace
period): the output with the largest mean (or, with one output, its sign).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tasks import COHERENCES, perceptual_decision


def choices(y, trials, epoch: str = "decision") -> np.ndarray:
    """The choice of each trial from readout ``y`` (T, B, n_out): an output index, or +1/-1 with one output."""
    y = np.asarray(y, dtype=np.float64)
    if y.shape[:2] != trials.inputs.shape[:2]:
        raise ValueError(f"y must have shape (T, B, n_out) with (T, B) = {trials.inputs.shape[:2]}, got {y.shape}")
    steps = trials.steps(epoch)
    counted = trials.mask[steps].max(axis=2) > 0  # (T_epoch, B)
    w = counted[:, :, None].astype(np.float64)
    mean = (y[steps] * w).sum(axis=0) / np.maximum(w.sum(axis=0), 1.0)  # (B, n_out)
    if y.shape[2] == 1:
        return np.where(mean[:, 0] >= 0, 1, -1)
    return np.argmax(mean, axis=1)


def accuracy(net, trials, *, seed=None) -> float:
    """Fraction of trials in which ``net`` (with its recurrent noise, drawn from ``seed``) chooses correctly."""
    if trials.ground_truth is None:
        raise ValueError("these trials have no ground-truth choice (a flip-flop?): compare outputs with targets")
    y = net.run(trials.inputs, seed=seed).y
    return float(np.mean(choices(y, trials) == trials.ground_truth))


@dataclass
class Psychometric:
    """Choices of a network on the perceptual-decision task.

    Attributes
    ----------
    coherence : ndarray
        Unsigned coherence levels (%).
    accuracy : ndarray
        Fraction correct at each level (at 0 %, against a random ground truth).
    n_trials : ndarray
        Trials at each level.
    signed_coherence : ndarray
        Signed coherences (%), > 0 favouring choice 1.
    p_choice1 : ndarray
        Fraction of choice 1 at each signed coherence.
    n_signed : ndarray
        Trials at each signed coherence.
    weibull : (alpha, beta)
        Maximum-likelihood Weibull fit of accuracy vs |c| (alpha: the 81.6 % threshold, %).
    logistic : (bias, scale)
        Maximum-likelihood logistic fit of P(choice 1) vs signed c (%).
    """

    coherence: np.ndarray
    accuracy: np.ndarray
    n_trials: np.ndarray
    signed_coherence: np.ndarray
    p_choice1: np.ndarray
    n_signed: np.ndarray
    weibull: tuple
    logistic: tuple


def psychometric(net, *, coherences=COHERENCES, n_trials: int = 200, seed=None, **task_kwargs) -> Psychometric:
    """Run ``net`` on :func:`~coursekit.learning.tasks.perceptual_decision` at each coherence and fit the curves.

    ``n_trials`` per coherence level; ``task_kwargs`` go to the task (its ``dt``
    is the network's).  The fits are :func:`coursekit.networks.decision.fit_weibull`
    and :func:`~coursekit.networks.decision.fit_logistic`.
    """
    from ..networks.decision import fit_logistic, fit_weibull

    rng = np.random.default_rng(seed)
    task_kwargs = dict(task_kwargs)
    task_kwargs["dt"] = net.dt
    levels = np.asarray(coherences, dtype=np.float64)
    acc = np.empty(levels.size)
    n = np.full(levels.size, n_trials)
    signed, chose1 = [], []
    for i, c in enumerate(levels):
        trials = perceptual_decision(n_trials, coherences=(c,), seed=rng, **task_kwargs)
        ch = choices(net.run(trials.inputs, seed=rng).y, trials)
        acc[i] = np.mean(ch == trials.ground_truth)
        signed.append(trials.conditions["coherence"])
        chose1.append(ch == 0)
    signed = np.concatenate(signed)
    chose1 = np.concatenate(chose1)
    values = np.unique(signed)
    p1 = np.array([chose1[signed == v].mean() for v in values])
    ns = np.array([np.sum(signed == v) for v in values])
    weib = fit_weibull(levels, np.rint(acc * n), n)
    logi = fit_logistic(values, np.rint(p1 * ns), ns)
    return Psychometric(levels, acc, n, values, p1, ns, weib, logi)
