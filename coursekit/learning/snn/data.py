"""Data: scikit-learn's handwritten digits, shipped with the package, and a seeded temporal task that needs memory.

Digits.  ``digits.npz`` beside this module holds the 1797 8x8 images (pixel
values 0..16, uint8) and their labels 0..9, exactly as scikit-learn's
``sklearn.datasets.load_digits()`` returns them (the tests compare the two
where scikit-learn is installed).  They are the test part of the UCI "Optical
Recognition of Handwritten Digits" data set (E. Alpaydin and C. Kaynak, 1998;
UCI Machine Learning Repository, doi:10.24432/C50P49), distributed by UCI under
the Creative Commons Attribution 4.0 licence (CC BY 4.0), and with
scikit-learn (BSD-3-Clause).  Nothing is downloaded at run time.

Temporal task.  :func:`cue_recall_task`: a cue (one of two groups of input
channels fires) is followed by a silent delay and then a recall signal; the
network must report at recall which group fired -- after the cue is gone, so
the answer needs memory of it across the delay (a two-class store-recall task
after Bellec et al. 2020's "store-recall" and Zenke & Vogels 2021's delayed
tasks).  Seeded: the same seed gives the same trials.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

_DIGITS = None


def load_digits():
    """The 1797 digits: ``(images, labels)`` with images (1797, 64) in [0, 1] (pixel / 16) and labels (1797,) int."""
    global _DIGITS
    if _DIGITS is None:
        with resources.files(__package__).joinpath("digits.npz").open("rb") as f:
            d = np.load(f)
            _DIGITS = (d["images"].astype(np.float64) / 16.0, d["labels"].astype(np.int64))
    images, labels = _DIGITS
    return images.copy(), labels.copy()


def digits_split(test_fraction=0.25, seed=0):
    """A stratified split of the digits: ``(X_train, y_train, X_test, y_test)``.

    test_fraction : float in (0, 1), default 0.25 (1347 training and 450 test images).
    seed : int or Generator -- which images go where.
    """
    if not (isinstance(test_fraction, (int, float)) and 0 < test_fraction < 1):
        raise ValueError(f"test_fraction must be in (0, 1) (fraction of images held out), got {test_fraction!r}")
    X, y = load_digits()
    rng = np.random.default_rng(seed)
    test = np.zeros(y.size, dtype=bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        n_test = int(round(test_fraction * idx.size))
        test[rng.choice(idx, n_test, replace=False)] = True
    train_idx = rng.permutation(np.flatnonzero(~test))
    test_idx = np.flatnonzero(test)
    return X[train_idx], y[train_idx], X[test_idx], y[test_idx]


@dataclass
class TemporalTrials:
    """Trials of a temporal task: inputs (T, B, n_in) spikes, labels (B,), mask (T,) of the steps that count."""

    inputs: np.ndarray
    labels: np.ndarray
    mask: np.ndarray


def cue_recall_task(n_trials, *, delay=50, cue_steps=10, recall_steps=10, n_per_group=8, n_recall=4, n_noise=4,
                    rate=200.0, noise_rate=10.0, dt=1.0, seed=None) -> TemporalTrials:
    """Two-class store-recall trials (see the module docstring).

    Channels: cue group 0 (``n_per_group``), cue group 1 (``n_per_group``),
    recall (``n_recall``), background noise (``n_noise``).  Steps: the cue
    (``cue_steps``), the delay (``delay``), the recall window
    (``recall_steps``): T = cue_steps + delay + recall_steps.  During the cue
    the group of the trial's class fires at ``rate`` (Hz), during recall the
    recall channels do, the noise channels fire at ``noise_rate`` (Hz)
    throughout (Bernoulli per step of ``dt`` ms).  The mask is 1 in the recall
    window: the answer is read there only.
    """
    for name, value in (("n_trials", n_trials), ("cue_steps", cue_steps), ("recall_steps", recall_steps),
                        ("n_per_group", n_per_group), ("n_recall", n_recall)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer (range >= 1), got {value!r}")
    for name, value in (("delay", delay), ("n_noise", n_noise)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0 (steps or channels), got {value!r}")
    if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    for name, value in (("rate", rate), ("noise_rate", noise_rate)):
        if not (isinstance(value, (int, float)) and 0 <= value * dt / 1000.0 <= 1):
            raise ValueError(f"{name} must be in [0, {1000.0 / dt:g}] Hz (at most one spike per step of {dt:g} ms), "
                             f"got {value!r}")
    rng = np.random.default_rng(seed)
    T = cue_steps + delay + recall_steps
    n_in = 2 * n_per_group + n_recall + n_noise
    labels = rng.integers(0, 2, n_trials)
    prob = np.zeros((T, n_trials, n_in))
    for c in (0, 1):
        prob[:cue_steps, labels == c, c * n_per_group:(c + 1) * n_per_group] = rate * dt / 1000.0
    prob[T - recall_steps:, :, 2 * n_per_group:2 * n_per_group + n_recall] = rate * dt / 1000.0
    prob[:, :, 2 * n_per_group + n_recall:] = noise_rate * dt / 1000.0
    inputs = (rng.random(prob.shape) < prob).astype(np.float64)
    mask = np.zeros(T)
    mask[T - recall_steps:] = 1.0
    return TemporalTrials(inputs, labels.astype(np.int64), mask)
