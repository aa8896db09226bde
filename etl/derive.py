"""Pure functions that turn a reported figure into what it can honestly carry.

All percentages are on the 0-100 scale. Conventions (also in the README and on the dashboard):
- "57%" of n: the counts k with |100k/n - 57| <= 0.5 (the GRIM test applied to percentages).
- "over 90%": 100k/n > 90.   "less than half": 100k/n < 50.
- "nearly 90%": 85 <= 100k/n < 90 (below the figure, within 5 points).
- "All 54" / "None": k = n / k = 0.   A stated count ("23 out of 54") pins k.
"""

from __future__ import annotations

import math

from etl.schema import Qualifier

NEARLY_WINDOW = 5.0  # percentage points below the figure that "nearly" admits
Z95 = 1.959963984540054
_EPS = 1e-9


def _pct(k: int, n: int) -> float:
    return 100.0 * k / n


def feasible_counts(value: float, qualifier: str, base: int, count: int | None = None) -> tuple[int, int] | None:
    """The range (lo, hi) of respondent counts out of ``base`` consistent with the figure, or None if none is."""
    q = Qualifier(qualifier)
    if q is Qualifier.EXACT:
        ks = [k for k in range(base + 1) if abs(_pct(k, base) - value) <= 0.5 + _EPS]
    elif q is Qualifier.OVER:
        ks = [k for k in range(base + 1) if _pct(k, base) > value + _EPS]
    elif q is Qualifier.LESS_THAN:
        ks = [k for k in range(base + 1) if _pct(k, base) < value - _EPS]
    elif q is Qualifier.NEARLY:
        ks = [k for k in range(base + 1) if value - NEARLY_WINDOW - _EPS <= _pct(k, base) < value - _EPS]
    elif q is Qualifier.ABOUT:
        ks = [k for k in range(base + 1) if abs(_pct(k, base) - value) <= NEARLY_WINDOW + _EPS]
    elif q is Qualifier.ALL:
        ks = [base]
    elif q is Qualifier.NONE:
        ks = [0]
    else:  # DERIVED: the count is the figure
        ks = [count] if count is not None else []
    if count is not None:
        ks = [k for k in ks if k == count]
    return (min(ks), max(ks)) if ks else None


def percent_range(value: float, qualifier: str) -> tuple[float, float]:
    """The range of true percentages a figure admits when its base is unknown."""
    q = Qualifier(qualifier)
    if q is Qualifier.OVER:
        return value, 100.0
    if q is Qualifier.LESS_THAN:
        return 0.0, value
    if q is Qualifier.NEARLY:
        return value - NEARLY_WINDOW, value
    if q is Qualifier.ABOUT:
        return max(0.0, value - NEARLY_WINDOW), min(100.0, value + NEARLY_WINDOW)
    if q is Qualifier.ALL:
        return 100.0, 100.0
    if q is Qualifier.NONE:
        return 0.0, 0.0
    if q is Qualifier.EXACT:  # a printed whole "96%" is anything that rounds to it
        return max(0.0, value - 0.5), min(100.0, value + 0.5)
    return value, value


def wilson_interval(k: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n, as percentages (Brown, Cai & DasGupta 2001)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= k <= n:
        raise ValueError("k must be between 0 and n")
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def fitting_bases(value: float, max_base: int) -> list[int]:
    """The bases n <= max_base, largest first, for which a whole percentage ``value`` is attainable."""
    return [n for n in range(max_base, 0, -1) if feasible_counts(value, Qualifier.EXACT.value, n) is not None]


def derive_result(
    value: float, qualifier: str, base: int | None, count: int | None, *, noun: str = "respondents"
) -> dict:
    """All derived columns of one survey result, as a dict of Result fields; ``noun`` names the survey's
    respondents in a flag ("councils", "schools")."""
    out: dict = {
        "count_min": None,
        "count_max": None,
        "pct_low": None,
        "pct_high": None,
        "wilson_low": None,
        "wilson_high": None,
        "consistent": None,
        "fitting_bases": [],
        "flag": None,
    }
    if base is None:
        out["pct_low"], out["pct_high"] = percent_range(value, qualifier)
        return out
    rng = feasible_counts(value, qualifier, base, count)
    out["consistent"] = rng is not None
    if rng is not None:
        lo, hi = rng
        out["count_min"], out["count_max"] = lo, hi
        out["pct_low"], out["pct_high"] = _pct(lo, base), _pct(hi, base)
        if lo == hi and Qualifier(qualifier) in (Qualifier.EXACT, Qualifier.ALL, Qualifier.NONE, Qualifier.DERIVED):
            out["wilson_low"], out["wilson_high"] = wilson_interval(lo, base)
        return out
    # No count out of this base gives the figure: say so, and which bases would.
    out["pct_low"], out["pct_high"] = percent_range(value, qualifier)
    if count is not None:
        out["flag"] = f"The stated count {count} of {base} does not give the reported {value:g}%."
        return out
    if Qualifier(qualifier) is Qualifier.EXACT:
        bases = fitting_bases(value, base)
        out["fitting_bases"] = bases
        out["wilson_low"], out["wilson_high"] = wilson_interval(value / 100 * base, base)
        shown = ", ".join(str(b) for b in bases[:5])
        out["flag"] = (
            f"{value:g}% cannot come from {base} respondents: no whole number of {noun} out of {base} "
            f"rounds to {value:g}%. Bases that fit, largest first: {shown}. The likely cause is item "
            f"non-response (some {noun} did not answer this question); the interval uses {value:g}% of {base}."
        )
    else:
        out["flag"] = f"No count out of {base} fits '{qualifier}' {value:g}%."
    return out
