"""Reversal potentials: the Nernst equation and the Goldman--Hodgkin--Katz equations.

The batteries of the Hodgkin--Huxley circuit, ``E_Na``, ``E_K``, ``E_L``, come
from the concentration differences across the membrane:

* Nernst (1889): the potential at which one ion's diffusion and drift balance,

      E = (R T / (z F)) ln(c_out / c_in);

* Goldman (1943), Hodgkin & Katz (1949): the current of one ion through a
  membrane of permeability P with a constant field (the GHK current equation),

      I = P z^2 F^2 V / (R T) * (c_in - c_out exp(-z F V / (R T))) / (1 - exp(-z F V / (R T))),

  and the potential at which the currents of several ions add up to zero (the
  GHK voltage equation); for monovalent ions in closed form,

      V = (R T / F) ln((sum_cations P c_out + sum_anions P c_in) / (sum_cations P c_in + sum_anions P c_out)).

Units: potentials in mV, concentrations in mM, temperature in deg C,
permeabilities in cm/s, currents in uA/cm^2 (outward positive, the sign
convention of :mod:`coursekit.neurons.hodgkin_huxley`).  The constants are the
exact SI values (2019): R = N_A k, F = N_A e.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

__all__ = [
    "GAS_CONSTANT", "FARADAY", "VALENCE", "SQUID_AXON", "SQUID_PERMEABILITY",
    "thermal_voltage", "nernst", "ghk_current", "ghk_voltage",
]

#: molar gas constant R (J / (mol K)), exact since 2019: N_A k
GAS_CONSTANT = 6.02214076e23 * 1.380649e-23
#: Faraday constant F (C / mol), exact since 2019: N_A e
FARADAY = 6.02214076e23 * 1.602176634e-19
_ZERO_CELSIUS = 273.15

#: valence of the ions known by name (others need ``valence=``)
VALENCE = {"Na": 1, "K": 1, "Cl": -1, "Ca": 2, "Mg": 2}

#: Squid giant axon, (inside, outside) concentrations in mM (Hodgkin 1964,
#: *The Conduction of the Nervous Impulse*, as tabulated for the squid giant
#: axon in Kandel et al., *Principles of Neural Science*): axoplasm against
#: sea water.  The values vary between preparations by some 10--20 %.
SQUID_AXON = {"K": (400.0, 20.0), "Na": (50.0, 440.0), "Cl": (52.0, 560.0)}

#: Relative resting permeabilities of the squid axon, P_K : P_Na : P_Cl
#: (Hodgkin & Katz 1949, J. Physiol. 108:37).
SQUID_PERMEABILITY = {"K": 1.0, "Na": 0.04, "Cl": 0.45}


def _temperature(T) -> float:
    try:
        T = float(T)
    except (TypeError, ValueError):
        raise ValueError(f"T must be a temperature in degC, got {T!r}") from None
    if not (math.isfinite(T) and T > -_ZERO_CELSIUS):
        raise ValueError(f"T must be above absolute zero (> -273.15 degC), got {T:g} degC")
    return T


def _valence(z, name="z") -> int:
    if isinstance(z, (bool, np.bool_)) or not float(z).is_integer() or int(z) == 0:
        raise ValueError(f"{name} must be a non-zero integer (the ion's charge in units of e), got {z!r}")
    return int(z)


def _concentration(c, name):
    c = np.asarray(c, dtype=np.float64)
    if not np.all(np.isfinite(c)) or np.any(c <= 0):
        got = f"{float(c):g}" if c.ndim == 0 else str(c)
        raise ValueError(f"{name} must be > 0 mM (a concentration), got {got}")
    return c


def thermal_voltage(T=6.3) -> float:
    """R T / F in mV at temperature ``T`` (deg C): 24.08 mV at 6.3 deg C, 25.69 mV at 25 deg C."""
    T = _temperature(T)
    return 1000.0 * GAS_CONSTANT * (T + _ZERO_CELSIUS) / FARADAY


def nernst(c_out, c_in, z=1, T=6.3):
    """Nernst equilibrium potential (mV) of an ion: (R T / z F) ln(c_out / c_in).

    Parameters
    ----------
    c_out, c_in : float or array_like
        Concentrations outside and inside the cell (mM), > 0.
    z : int
        Valence (+1 for Na and K, -1 for Cl, +2 for Ca).
    T : float
        Temperature (deg C); default 6.3, the temperature of Hodgkin and
        Huxley's rate measurements.

    Examples
    --------
    >>> round(nernst(20.0, 400.0, T=6.3), 1)   # squid axon K+
    -72.1
    """
    z = _valence(z)
    c_out = _concentration(c_out, "c_out")
    c_in = _concentration(c_in, "c_in")
    E = thermal_voltage(T) / z * np.log(c_out / c_in)
    return float(E) if E.ndim == 0 else E


def ghk_current(V, P, c_out, c_in, z=1, T=6.3):
    """Goldman--Hodgkin--Katz current density (uA/cm^2, outward positive) of one ion.

    I = P z F xi (c_in - c_out e^{-xi}) / (1 - e^{-xi}),  xi = z F V / (R T),

    (Goldman 1943; Hodgkin & Katz 1949, in current form).  With P in cm/s and c in mM
    (= 1e-6 mol/cm^3) the current is P z F xi c * 1e-6 A/cm^2, i.e. the
    numbers give uA/cm^2 directly.  At V = 0 the limit is P z F (c_in - c_out).

    Parameters
    ----------
    V : float or array_like
        Membrane potential (mV).
    P : float
        Permeability (cm/s), >= 0.
    c_out, c_in : float
        Concentrations outside and inside (mM), > 0.
    z : int
        Valence.
    T : float
        Temperature (deg C).
    """
    z = _valence(z)
    P = float(P)
    if not (math.isfinite(P) and P >= 0):
        raise ValueError(f"P must be >= 0 cm/s (a permeability), got {P:g}")
    c_out = float(_concentration(c_out, "c_out"))
    c_in = float(_concentration(c_in, "c_in"))
    V = np.asarray(V, dtype=np.float64)
    if not np.all(np.isfinite(V)):
        raise ValueError(f"V must be finite (mV), got {V}")
    xi = z * V / thermal_voltage(T)
    small = np.abs(xi) < 1e-8
    safe = np.where(small, 1.0, xi)
    # xi / (1 - e^-xi) and xi e^-xi / (1 - e^-xi) = xi / (e^xi - 1), continuous at xi = 0
    a = np.where(small, 1.0 + 0.5 * xi, safe / -np.expm1(-safe))
    b = np.where(small, 1.0 - 0.5 * xi, safe / np.expm1(safe))
    I = P * z * FARADAY * (c_in * a - c_out * b)
    return float(I) if I.ndim == 0 else I


def _ion_table(permeability, c_out, c_in, valence):
    if not isinstance(permeability, Mapping) or not permeability:
        raise ValueError("permeability must be a mapping ion -> permeability (cm/s or relative), "
                         f"e.g. {{'K': 1.0, 'Na': 0.04}}; got {permeability!r}")
    valence = dict(VALENCE, **(valence or {}))
    rows = []
    for ion, P in permeability.items():
        for name, table in (("c_out", c_out), ("c_in", c_in)):
            if ion not in table:
                raise ValueError(f"{name} has no concentration (mM) for {ion!r}")
        if ion not in valence:
            raise ValueError(f"valence of {ion!r} unknown: pass valence={{{ion!r}: z}}")
        P = float(P)
        if not (math.isfinite(P) and P >= 0):
            raise ValueError(f"permeability of {ion} must be >= 0 (cm/s or relative), got {P:g}")
        rows.append((ion, P, float(_concentration(c_out[ion], f"c_out[{ion!r}]")),
                     float(_concentration(c_in[ion], f"c_in[{ion!r}]")), _valence(valence[ion], f"valence of {ion}")))
    if not any(P > 0 for _, P, *_ in rows):
        raise ValueError("at least one permeability must be > 0")
    return rows


def ghk_voltage(permeability, c_out, c_in, T=6.3, *, valence=None) -> float:
    """Goldman--Hodgkin--Katz potential (mV): where the GHK currents of all ions sum to zero.

    For monovalent ions this is the closed form of the module docstring
    (Goldman 1943; Hodgkin & Katz 1949); with a divalent ion (Ca) the
    zero of the summed :func:`ghk_current` is found numerically.  With a single
    permeant ion it is that ion's Nernst potential.

    Parameters
    ----------
    permeability : mapping
        Ion name -> permeability (cm/s, or relative values such as
        :data:`SQUID_PERMEABILITY`: only ratios matter).
    c_out, c_in : mapping
        Ion name -> concentration outside / inside (mM).
    T : float
        Temperature (deg C).
    valence : mapping, optional
        Valences of ions not in :data:`VALENCE`.

    Examples
    --------
    >>> inside = {k: v[0] for k, v in SQUID_AXON.items()}
    >>> outside = {k: v[1] for k, v in SQUID_AXON.items()}
    >>> round(ghk_voltage(SQUID_PERMEABILITY, outside, inside, T=6.3), 1)
    -57.1
    """
    rows = _ion_table(permeability, c_out, c_in, valence)
    vt = thermal_voltage(T)
    if all(abs(z) == 1 for *_, z in rows):
        num = sum(P * (co if z > 0 else ci) for _, P, co, ci, z in rows)
        den = sum(P * (ci if z > 0 else co) for _, P, co, ci, z in rows)
        if num == 0 or den == 0:
            raise ValueError("the permeant ions are all cations or all anions with zero concentration on one "
                             "side: no finite GHK potential")
        return vt * math.log(num / den)
    from scipy.optimize import brentq

    def total(V):
        return sum(ghk_current(V, P, co, ci, z, T) for _, P, co, ci, z in rows if P > 0)

    # the summed current increases monotonically with V and is bracketed by the extreme Nernst potentials
    E = [nernst(co, ci, z, T) for _, P, co, ci, z in rows if P > 0]
    lo, hi = min(E) - 1.0, max(E) + 1.0
    return float(brentq(total, lo, hi, xtol=1e-12, rtol=1e-14))
