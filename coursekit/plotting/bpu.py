"""Plots for the emulated neuromorphic core (lecture 16): fixed point, chip vs float, where patterns break.

Data + ``ax`` in, ``Axes`` out: nothing here runs a core or a simulation.  The
data come from :mod:`coursekit.bpu` (``Format.quantize``/``to_float``,
:func:`~coursekit.bpu.lif_error`/:func:`~coursekit.bpu.error_sweep`,
:func:`~coursekit.bpu.run_preset`, :func:`~coursekit.bpu.pattern_sweep`,
:func:`~coursekit.bpu.map_network`) and from :mod:`coursekit.bpu_widgets`.
Times in ms, voltages in mV.
"""
from __future__ import annotations

import numpy as np

from ._units import legend_outside
from .traces import _ax

#: colour per configuration kind: the float64 reference is black, the chip red
FLOAT_STYLE = dict(color="k", lw=1.2)
CHIP_STYLE = dict(color="tab:red", lw=1.0)

#: axis label of each LIFError metric
METRIC_LABELS = {
    "first_spike_mismatch": "first spike, chip − float (ms)",
    "spike_count_mismatch": "spike count, chip − float (spikes)",
    "v_rms": "membrane RMS error (mV)",
    "v_rms_subthreshold": "RMS error of V before 1st spike (mV)",
}


def plot_quantization(x, stored: dict, ax=None, *, unit: str = "mV"):
    """Real values against what a format stores for them, one staircase per rounding.

    Parameters
    ----------
    x : array
        The real values (``unit``), increasing.
    stored : dict
        Label -> the stored values converted back to reals (``fmt.to_float(fmt.quantize(x, rounding))``).
    unit : str
        Unit of ``x`` for the axis labels.

    Returns the Axes; ``ax.quantization_lines`` maps each label to its line.
    """
    ax = _ax(ax)
    x = np.asarray(x, dtype=np.float64)
    ax.plot(x, x, color="0.6", lw=1, ls="--", label="exact")
    lines = {}
    for label, q in stored.items():
        q = np.asarray(q, dtype=np.float64)
        if q.shape != x.shape:
            raise ValueError(f"stored[{label!r}] must have the shape of x, {x.shape}, got {q.shape}")
        (lines[label],) = ax.plot(x, q, drawstyle="steps-post", label=label)
    ax.axhline(0.0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0.0, color="0.85", lw=0.8, zorder=0)
    ax.set(xlabel=f"x ({unit})", ylabel=f"stored value ({unit})")
    ax.legend(frameon=False, fontsize="small")
    ax.quantization_lines = lines
    return ax


def plot_chip_vs_float(t_float, V_float, t_chip, V_chip, ax=None, *, labels=("float64", "chip")):
    """Membrane potential of the float64 simulation and of the emulated core on one axis.

    Returns the Axes; ``ax.bpu_lines`` holds the two lines (``"float"``, ``"chip"``).
    """
    ax = _ax(ax)
    (lf,) = ax.plot(np.asarray(t_float), np.asarray(V_float), label=labels[0], **FLOAT_STYLE)
    (lc,) = ax.plot(np.asarray(t_chip), np.asarray(V_chip), label=labels[1], drawstyle="steps-pre", **CHIP_STYLE)
    ax.set(xlabel="t (ms)", ylabel="V (mV)")
    ax.legend(fontsize="small", loc="upper right", framealpha=0.85)
    ax.bpu_lines = {"float": lf, "chip": lc}
    return ax


def plot_spike_rows(trains: dict, ax=None, *, duration: float | None = None):
    """A raster with one row per configuration (e.g. "float64", "Q8.7 nearest", ...), top to bottom.

    Parameters
    ----------
    trains : dict
        Label -> spike times (ms).
    duration : float, optional
        Right end of the time axis (ms).

    Returns the Axes; ``ax.spike_rows`` maps each label to its drawn (times, row).
    """
    ax = _ax(ax)
    rows = {}
    n = len(trains)
    for k, (label, times) in enumerate(trains.items()):
        times = np.asarray(times, dtype=np.float64)
        row = n - 1 - k
        colour = FLOAT_STYLE["color"] if k == 0 else CHIP_STYLE["color"]
        ax.vlines(times, row - 0.35, row + 0.35, color=colour, lw=1.2)
        rows[label] = (times, row)
    ax.set_yticks([n - 1 - k for k in range(n)], list(trains))
    ax.set_ylim(-0.6, n - 0.4)
    if duration is not None:
        ax.set_xlim(0.0, float(duration))
    ax.set(xlabel="t (ms)", ylabel="configuration (row)")
    ax.spike_rows = rows
    return ax


def _field(row, name):
    return row[name] if isinstance(row, dict) else getattr(row, name)


def plot_error_sweep(rows, metric: str = "first_spike_mismatch", ax=None, *, absolute: bool = False,
                     legend: str | None = "inside"):
    """An error of the fixed-point LIF against the time step, one line per (format, rounding).

    Parameters
    ----------
    rows : list of LIFError (or their ``as_dict()``)
        From :func:`coursekit.bpu.error_sweep`.
    metric : str
        One of :data:`METRIC_LABELS`.
    absolute : bool
        Plot the magnitude (then the y axis is logarithmic).
    legend : "inside", "outside" or None
        The legend in the Axes, to its right (clear of the curves; one for panels side by side), or none.

    Returns the Axes; ``ax.sweep_lines`` maps ``(format, rounding)`` to its line.
    """
    if metric not in METRIC_LABELS:
        raise ValueError(f"metric must be one of {', '.join(METRIC_LABELS)}, got {metric!r}")
    if legend not in ("inside", "outside", None):
        raise ValueError(f"legend must be 'inside', 'outside' or None, got {legend!r}")
    ax = _ax(ax)
    groups: dict = {}
    for r in rows:
        groups.setdefault((_field(r, "format"), _field(r, "rounding")), []).append((_field(r, "dt"),
                                                                                   _field(r, metric)))
    lines = {}
    styles = ["-", "--", ":", "-."]
    formats = list(dict.fromkeys(k[0] for k in groups))
    roundings = list(dict.fromkeys(k[1] for k in groups))
    for (fmt, rnd), pts in groups.items():
        pts.sort()
        dt, y = np.array(pts, dtype=np.float64).T
        if absolute:
            y = np.abs(y)
        (lines[(fmt, rnd)],) = ax.plot(dt, y, marker="o", ms=4, color=f"C{formats.index(fmt)}",
                                       ls=styles[roundings.index(rnd) % len(styles)], label=f"{fmt}, {rnd}")
    ax.set_xscale("log")
    if absolute:
        ax.set_yscale("log")
    unsigned = metric.startswith("v_rms")          # an RMS is already a magnitude
    ax.set(xlabel="dt (ms)", ylabel=METRIC_LABELS[metric] if unsigned or not absolute
           else "magnitude of " + METRIC_LABELS[metric])
    if legend == "inside":
        ax.legend(frameon=False, fontsize="x-small", ncol=max(1, len(formats) // 2))
    elif legend == "outside":
        legend_outside(ax, frameon=False, fontsize="x-small")
    ax.sweep_lines = lines
    return ax


def plot_pattern_grid(rows, ax=None, *, title: str | None = None):
    """Where a firing pattern holds on the chip: a format x time-step grid, green where it holds.

    Parameters
    ----------
    rows : list of dict
        From :func:`coursekit.bpu.pattern_sweep` (keys ``fmt``, ``dt``, ``holds``, ``label``).

    Each cell is written with the classifier's label.  Returns the Axes;
    ``ax.pattern_cells`` maps ``(fmt, dt)`` to ``(holds, label)``.
    """
    ax = _ax(ax)
    fmts = list(dict.fromkeys(r["fmt"] for r in rows))
    dts = sorted(dict.fromkeys(float(r["dt"]) for r in rows))
    grid = np.full((len(fmts), len(dts)), np.nan)
    cells = {}
    for r in rows:
        i, j = fmts.index(r["fmt"]), dts.index(float(r["dt"]))
        grid[i, j] = 1.0 if r["holds"] else 0.0
        cells[(r["fmt"], float(r["dt"]))] = (bool(r["holds"]), r["label"])
        ax.text(j, i, r["label"].replace("_", " "), ha="center", va="center", fontsize="small")
    from matplotlib.colors import ListedColormap

    ax.imshow(grid, cmap=ListedColormap(["#f4b6b6", "#b9e3b0"]), vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(dts)), [f"{d:g}" for d in dts])
    ax.set_yticks(range(len(fmts)), fmts)
    ax.set(xlabel="dt (ms)", ylabel="format (name)")
    if title:
        ax.set_title(title)
    ax.pattern_cells = cells
    return ax


def plot_mapping_costs(mappings: dict, ax=None):
    """Units (neurons + partial-sum units) each mapping puts on the cores, with the cores it needs.

    Parameters
    ----------
    mappings : dict
        Label -> :class:`coursekit.bpu.Mapping`.

    Returns the Axes; ``ax.mapping_bars`` maps each label to its (neurons, partial units) bars.
    """
    ax = _ax(ax)
    labels = list(mappings)
    x = np.arange(len(labels))
    neurons = np.array([m.n_neurons for m in mappings.values()])
    partial = np.array([int(np.sum(m.partial_units)) for m in mappings.values()])
    b1 = ax.bar(x, neurons, color="tab:blue", label="neurons")
    b2 = ax.bar(x, partial, bottom=neurons, color="tab:orange", label="partial-sum units")
    for k, m in enumerate(mappings.values()):
        extra = f"\n{m.n_dropped} dropped" if m.policy == "drop" and m.n_dropped else ""
        ax.text(k, m.n_units, f"{m.n_cores} core{'s' if m.n_cores != 1 else ''}{extra}", ha="center",
                va="bottom", fontsize="small")
    ax.set_xticks(x, labels, rotation=20, ha="right")
    ax.set(xlabel="network, policy (name)", ylabel="units on the cores (count)")
    ax.margins(y=0.2)
    ax.legend(frameon=False, fontsize="small")
    ax.mapping_bars = {lab: (b1[k], b2[k]) for k, lab in enumerate(labels)}
    return ax


__all__ = ["plot_quantization", "plot_chip_vs_float", "plot_spike_rows", "plot_error_sweep", "plot_pattern_grid",
           "plot_mapping_costs", "METRIC_LABELS"]
