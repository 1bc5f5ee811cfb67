"""Lecture widgets for training spiking networks (lecture 15): the surrogate's shape and scale, and the encodings.

* :func:`surrogate_explorer` -- a shape menu and sliders for the surrogate's
  scale k and the initial input weights of the digits network (64 -> 100 LIF
  -> 10, :mod:`coursekit.learning.snn`).  Left: the four surrogate derivatives
  at scale k.  Right: where the hidden neurons actually are -- the histogram
  of their distances from threshold x = (v - A)/V_th over a batch of digits --
  with the band in which the chosen surrogate is at least 1 % of its peak, the
  fraction of (neuron, step, trial) states inside it and the norm of BPTT's
  gradient.  A steep surrogate whose band misses the neurons gives (almost)
  nothing to learn from: Zenke & Vogels (2021)'s "robust to the shape, not to
  the scale", seen before any training.
* :func:`encoding_explorer` -- one digit encoded as spikes (Bernoulli or
  Poisson rate code, latency code) for a chosen number of steps and maximum
  rate: the image, the raster of its 64 input channels, and the pixels read
  back from the spikes against the true ones, with the number of spikes and
  the error.  More spikes carry the pixels better (a rate code), or one spike
  per lit pixel carries them by its time (the latency code).

The data of one setting are :func:`surrogate_reach` and :func:`encoding_view`
(no plotting), drawn by :mod:`coursekit.plotting.snn`.

Like :mod:`coursekit.widgets` (whose figure machinery they use): each returns
an ``ipywidgets`` container, or, headless (CI, scripts, ``MPLBACKEND=Agg``),
the figure drawn once for the given values.  :class:`SurrogateExplorer` and
:class:`EncodingExplorer` hold the figure and ``update(...)``; they need
matplotlib but no ipywidgets.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .learning.snn.bptt import bptt
from .learning.snn.data import digits_split
from .learning.snn.encoding import encode
from .learning.snn.layers import LIF, Readout, SpikingNetwork
from .learning.snn.surrogate import check_surrogate, surrogate_gradient
from .widgets import _container, _LiveFigure, headless_reason

__all__ = ["SHAPES", "SPIKE_CODES", "SurrogateReach", "surrogate_reach", "SurrogateExplorer", "surrogate_explorer",
           "EncodingView", "encoding_view", "EncodingExplorer", "encoding_explorer"]

#: the surrogate shapes the explorer offers (coursekit.learning.snn.surrogate, without the true derivative)
SHAPES = ("fast_sigmoid", "sigmoid", "triangular", "arctan")
#: the spike codes the encoding explorer offers and how their pixels are read back
SPIKE_CODES = ("bernoulli", "poisson", "latency")
#: a state "gets a gradient" where the surrogate is at least this fraction of its peak
REACH_FRACTION = 0.01


@functools.lru_cache(maxsize=4)
def _digits_batch(n_images, seed):
    X, y, _, _ = digits_split(seed=seed)
    X, y = X[:n_images], y[:n_images]
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def _check_count(value, name, low, unit):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low} ({unit}), got {value!r}")
    return int(value)


@dataclass(frozen=True, eq=False)
class SurrogateReach:
    """Where a network's hidden neurons sit relative to a surrogate's bump, and what BPTT gets from it.

    Attributes
    ----------
    name, scale : str, float
        The surrogate and its steepness k (dimensionless).
    net : SpikingNetwork
        The network (its hidden layer carries the surrogate).
    x : ndarray
        Every hidden state's distance from threshold (v - A)/V_th, flattened (dimensionless).
    psi : ndarray
        The surrogate at x, ``sigma_k'(x)`` (dimensionless, unit area).
    reached : float
        Fraction of states with ``psi >= REACH_FRACTION * sigma_k'(0)``.
    band : float
        Half-width of that band in x (the surrogates are even and fall off away from 0).
    rate : float
        Mean hidden firing rate (Hz).
    grad_norm : dict
        Euclidean norm of BPTT's gradient of the mean cross-entropy per parameter.
    """

    name: str
    scale: float
    net: SpikingNetwork
    x: np.ndarray
    psi: np.ndarray
    reached: float
    band: float
    rate: float
    grad_norm: dict


def reach_band(name, scale):
    """Half-width in x of the band where ``sigma_k'(x) >= REACH_FRACTION * sigma_k'(0)`` (closed forms)."""
    name, k, _ = check_surrogate(name, scale)
    r = REACH_FRACTION
    if name == "fast_sigmoid":       # (1 + k|x|)^-2 >= r
        return (1.0 / math.sqrt(r) - 1.0) / k
    if name == "sigmoid":            # 4 s (1 - s) >= r, s the logistic of k x
        s = 0.5 * (1.0 + math.sqrt(1.0 - r))
        return math.log(s / (1.0 - s)) / k
    if name == "triangular":         # 1 - k|x| >= r
        return (1.0 - r) / k
    if name == "arctan":             # (1 + (pi k x / 2)^2)^-1 >= r
        return 2.0 * math.sqrt(1.0 / r - 1.0) / (math.pi * k)
    raise ValueError(f"surrogate must be one of {', '.join(SHAPES)} for a band, got {name!r}")


def surrogate_reach(name="fast_sigmoid", scale=10.0, *, weight_scale=1.0, net=None, u=None, labels=None,
                    n_images=64, T=25, seed=0) -> SurrogateReach:
    """The hidden states of a network on a batch, the surrogate there, and BPTT's gradient norms.

    Parameters
    ----------
    name : {"fast_sigmoid", "sigmoid", "triangular", "arctan"}
    scale : float
        Steepness k (> 0, dimensionless).
    weight_scale : float
        Standard deviation of W_in times sqrt(64) of the default network (> 0): small values
        leave the neurons far below threshold.
    net, u, labels : optional
        Another network, its inputs (T, B, n_in) and labels (B,); default the digits network
        64 -> 100 LIF -> 10 (seed ``seed``) on the first ``n_images`` training digits, each
        injected as a constant current for T steps of 1 ms.
    """
    if name not in SHAPES:
        raise ValueError(f"name must be one of {', '.join(SHAPES)}, got {name!r}")
    check_surrogate(name, scale)
    if net is None:
        n_images = _check_count(n_images, "n_images", 1, "digits in the batch")
        T = _check_count(T, "T", 1, "steps of 1 ms")
        X, labels = _digits_batch(n_images, 0)
        net = SpikingNetwork(64, LIF(100), Readout(10), weight_scale=weight_scale, seed=seed)
        u = encode(X, "current", T)
    elif u is None or labels is None:
        raise ValueError("u and labels must be given with net")
    net = net.with_layers(hidden=dataclasses.replace(net.hidden, surrogate=name, scale=float(scale),
                                                     normalise="integral"))
    traj = net.run(u)
    x = traj.x.reshape(-1)
    psi = surrogate_gradient(x, name, scale)
    peak = float(surrogate_gradient(0.0, name, scale))
    reached = float(np.mean(psi >= REACH_FRACTION * peak))
    _, grads = bptt(net, u, labels)
    norms = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
    rate = 1000.0 / net.dt * float(traj.z.mean())
    return SurrogateReach(name, float(scale), net, x, psi, reached, reach_band(name, scale), rate, norms)


class SurrogateExplorer(_LiveFigure):
    """The four surrogates at one scale (left) and where the network's neurons are (right)."""

    def __init__(self, *, n_images=64, T=25, seed=0, figsize=(10.0, 3.8)):
        from .plotting.snn import plot_surrogates

        super().__init__(figsize, blit=False)
        self._plot_surrogates = plot_surrogates
        self.n_images, self.T, self.seed = n_images, T, seed
        self.ax_shape, self.ax_states = self.figure.subplots(1, 2)
        self.figure.subplots_adjust(left=0.07, right=0.98, top=0.8, bottom=0.16, wspace=0.28)
        self.status = self.figure.text(0.07, 0.98, "", fontsize=10, va="top")
        self.reach: SurrogateReach | None = None
        self.timings: list[float] = []

    def update(self, name="fast_sigmoid", scale=10.0, weight_scale=1.0) -> float:
        """Recompute and redraw; returns the wall time (s), also kept in ``timings``."""
        t0 = time.perf_counter()
        r = surrogate_reach(name, scale, weight_scale=weight_scale, n_images=self.n_images, T=self.T,
                            seed=self.seed)
        self.reach = r
        lo, hi = -3.0, 2.0            # where the surrogates differ; states further below are counted in the legend
        xs = np.linspace(lo, hi, 801)
        self.ax_shape.clear()
        self.ax_states.clear()
        self._plot_surrogates(xs, {s: surrogate_gradient(xs, s, scale) for s in SHAPES}, self.ax_shape,
                              highlight=name)
        self.ax_shape.set_title(f"surrogates at k = {scale:g} (unit area)", fontsize=10)
        below = float(np.mean(r.x < lo))
        self.ax_states.hist(np.clip(r.x, lo, hi), bins=np.linspace(lo, hi, 51), color="0.6",
                            weights=np.full(r.x.size, 1.0 / r.x.size),
                            label=f"hidden states ({below:.0%} at x < {lo:g}, drawn at {lo:g})")
        self.ax_states.axvspan(-r.band, r.band, color="tab:orange", alpha=0.35,
                               label=f"{name} ≥ {REACH_FRACTION:.0%} of its peak")
        self.ax_states.axvline(0.0, color="k", ls=":", lw=1)
        self.ax_states.set(xlabel="distance from threshold x = (v − A)/V_th (dimensionless)",
                           ylabel="fraction of states (per bin of 0.1)", xlim=(lo - 0.05, hi))
        self.ax_states.legend(frameon=False, fontsize="small", loc="upper left")
        self.status.set_text(
            f"{name}, k = {scale:g}, weight scale {weight_scale:g}: mean rate {r.rate:.0f} Hz; "
            f"{r.reached:.1%} of the states inside the band |x| ≤ {r.band:.3g};\n"
            f"|dL/dW_in| = {r.grad_norm['W_in']:.3g}, |dL/dW_out| = {r.grad_norm['W_out']:.3g} (BPTT, "
            f"{self.n_images} digits)")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def _check_positive(value, name, unit):
    if isinstance(value, bool) or not (isinstance(value, (int, float, np.floating, np.integer))
                                       and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be > 0 {unit} (range (0, inf)), got {value!r}")
    return float(value)


def surrogate_explorer(name="fast_sigmoid", scale=10.0, weight_scale=1.0, *, headless=None):
    """A shape menu and sliders for the surrogate's scale k and the initial input weights.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless (see :mod:`coursekit.widgets`) the figure drawn
        once for the given values.  ``box.live`` is the :class:`SurrogateExplorer`.
    """
    if name not in SHAPES:
        raise ValueError(f"name must be one of {', '.join(SHAPES)}, got {name!r}")
    scale = _check_positive(scale, "scale", "(the surrogate's steepness k, dimensionless)")
    weight_scale = _check_positive(weight_scale, "weight_scale", "(std of W_in times sqrt(n_in), dimensionless)")
    if headless_reason(headless) is None:
        try:
            import ipywidgets as widgets

            live = SurrogateExplorer()
            live.update(name, scale, weight_scale)
            controls = {
                "name": widgets.Dropdown(options=list(SHAPES), value=name, description="shape"),
                "scale": widgets.FloatLogSlider(value=scale, base=10, min=-1, max=3, step=0.1,
                                                description="scale k", continuous_update=False),
                "weight_scale": widgets.FloatLogSlider(value=weight_scale, base=10, min=-2.5, max=0.5, step=0.1,
                                                       description="W_in scale", continuous_update=False),
            }
            return _container(live, list(controls.values()),
                              lambda: live.update(**{k: c.value for k, c in controls.items()}),
                              "Surrogate gradients: shape, scale, and where the neurons are")
        except Exception as exc:  # no comm, a broken frontend: the static figure
            warnings.warn(f"surrogate_explorer: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = SurrogateExplorer()
    live.update(name, scale, weight_scale)
    return live.figure


# --------------------------------------------------------------------------- encodings


@dataclass(frozen=True, eq=False)
class EncodingView:
    """One image encoded as spikes and read back.

    Attributes
    ----------
    method : str
    T : int
        Steps of ``dt`` ms.
    max_rate, dt : float
        Rate at pixel value 1 (Hz; rate codes) and step (ms).
    image : ndarray (64,)
        Pixel values in [0, 1].
    spikes : ndarray (T, 64)
        Spikes per step and channel (Poisson: counts).
    count : float
        Spikes of this image.
    decoded : ndarray (64,)
        The pixels read back: a rate code's count over its expected count at
        value 1 (``max_rate T dt / 1000``), clipped to [0, 1]; the latency
        code's ``1 - step / (T - 1)`` of each channel's spike (0 where none).
    rmse : float
        Root-mean-square error of ``decoded`` against ``image``.
    """

    method: str
    T: int
    max_rate: float
    dt: float
    image: np.ndarray
    spikes: np.ndarray
    count: float
    decoded: np.ndarray
    rmse: float


def decode_pixels(spikes, method, T, max_rate=200.0, dt=1.0):
    """Pixel values (n,) read back from one image's spikes (T, n) of a code (see :class:`EncodingView`)."""
    s = np.asarray(spikes, dtype=np.float64)
    if method == "latency":
        fired = s.sum(axis=0) > 0
        first = np.argmax(s > 0, axis=0)
        return np.where(fired, 1.0 - first / max(T - 1, 1), 0.0)
    if method not in ("bernoulli", "poisson"):
        raise ValueError(f"method must be one of {', '.join(SPIKE_CODES)}, got {method!r}")
    expected = max_rate * T * dt / 1000.0
    if expected <= 0:
        return np.zeros(s.shape[1])
    return np.clip(s.sum(axis=0) / expected, 0.0, 1.0)


def encoding_view(image_index=0, method="bernoulli", T=25, max_rate=200.0, *, dt=1.0, seed=0,
                  image=None) -> EncodingView:
    """Encode one digit (or ``image``, 64 values in [0, 1]) with :func:`coursekit.learning.snn.encode`.

    ``image_index`` picks a test digit of :func:`~coursekit.learning.snn.digits_split` (seed 0).
    """
    if method not in SPIKE_CODES:
        raise ValueError(f"method must be one of {', '.join(SPIKE_CODES)}, got {method!r}")
    T = _check_count(T, "T", 2, "steps")
    if image is None:
        _, _, X_test, _ = digits_split(seed=0)
        if isinstance(image_index, bool) or not isinstance(image_index, (int, np.integer)) \
                or not 0 <= image_index < len(X_test):
            raise ValueError(f"image_index must be an integer in [0, {len(X_test) - 1}] (a test digit), "
                             f"got {image_index!r}")
        image = X_test[image_index]
    image = np.asarray(image, dtype=np.float64).reshape(-1)
    spikes = encode(image[None, :], method, T, dt=dt, max_rate=max_rate, seed=seed)[:, 0, :]
    decoded = decode_pixels(spikes, method, T, max_rate, dt)
    rmse = float(np.sqrt(np.mean((decoded - image) ** 2)))
    return EncodingView(method, T, float(max_rate), float(dt), image, spikes, float(spikes.sum()), decoded, rmse)


class EncodingExplorer(_LiveFigure):
    """A digit (left), its spikes (middle) and its pixels read back from them (right)."""

    def __init__(self, figsize=(11.0, 3.6)):
        from .plotting.snn import plot_spike_raster

        super().__init__(figsize, blit=False)
        self._plot_raster = plot_spike_raster
        self.ax_image, self.ax_raster, self.ax_back = self.figure.subplots(
            1, 3, gridspec_kw={"width_ratios": (1.0, 2.2, 1.3)})
        self.figure.subplots_adjust(left=0.05, right=0.98, top=0.8, bottom=0.16, wspace=0.35)
        self.status = self.figure.text(0.05, 0.92, "", fontsize=10)
        self.view: EncodingView | None = None
        self.timings: list[float] = []

    def update(self, image_index=0, method="bernoulli", T=25, max_rate=200.0, seed=0) -> float:
        t0 = time.perf_counter()
        v = encoding_view(image_index, method, T, max_rate, seed=seed)
        self.view = v
        for ax in (self.ax_image, self.ax_raster, self.ax_back):
            ax.clear()
        self.ax_image.imshow(v.image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        self.ax_image.set(xlabel="column (pixel)", ylabel="row (pixel)", title="the digit")
        self._plot_raster(v.spikes, self.ax_raster, dt=v.dt, ylabel="input channel = pixel (index)")
        self.ax_raster.set_title(f"{method}: {v.count:.0f} spikes in {v.T * v.dt:g} ms", fontsize=10)
        self.ax_back.plot([0, 1], [0, 1], color="0.6", ls=":", lw=1)
        self.ax_back.plot(v.image, v.decoded, "o", ms=4)
        self.ax_back.set(xlabel="pixel value (fraction of 16)", ylabel="read back (fraction of 16)",
                         xlim=(-0.05, 1.05), ylim=(-0.05, 1.05), title=f"RMS error {v.rmse:.3f}")
        rate_txt = f", {max_rate:g} Hz at pixel 1" if method != "latency" else ""
        self.status.set_text(f"{method} code, T = {T} steps of {v.dt:g} ms{rate_txt}: {v.count:.0f} spikes "
                             f"for {int(np.sum(v.image > 0))} lit pixels; read back with RMS error {v.rmse:.3f}")
        self.draw()
        elapsed = time.perf_counter() - t0
        self.timings.append(elapsed)
        return elapsed


def encoding_explorer(image_index=0, method="bernoulli", T=25, max_rate=200.0, *, headless=None):
    """A code menu and sliders for the digit, the number of steps and the maximum rate.

    Returns
    -------
    ipywidgets.VBox or matplotlib.figure.Figure
        The widget; headless the figure drawn once.  ``box.live`` is the :class:`EncodingExplorer`.
    """
    encoding_view(image_index, method, T, max_rate)  # validates every argument before anything is drawn
    if headless_reason(headless) is None:
        try:
            import ipywidgets as widgets

            live = EncodingExplorer()
            live.update(image_index, method, T, max_rate)
            controls = {
                "method": widgets.Dropdown(options=list(SPIKE_CODES), value=method, description="code"),
                "image_index": widgets.IntSlider(value=image_index, min=0, max=449, description="test digit",
                                                 continuous_update=False),
                "T": widgets.IntSlider(value=T, min=5, max=200, step=5, description="T (steps)",
                                       continuous_update=False),
                "max_rate": widgets.FloatLogSlider(value=max_rate, base=10, min=1, max=3, step=0.1,
                                                   description="rate (Hz)", continuous_update=False),
            }
            return _container(live, list(controls.values()),
                              lambda: live.update(**{k: c.value for k, c in controls.items()}),
                              "Encoding a digit as spikes")
        except Exception as exc:
            warnings.warn(f"encoding_explorer: widgets unavailable ({exc}); showing a static figure",
                          RuntimeWarning, stacklevel=2)
    live = EncodingExplorer()
    live.update(image_index, method, T, max_rate)
    return live.figure
