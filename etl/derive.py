"""Pure functions that turn a reported figure into what it can honestly carry.

All percentages are on the 0-100 scale. Conventions (also in the README and on the dashboard):
- "57%" of n: the counts k with |100k/n - 57| <= 0.5 (the GRIM test applied to percentages).
- "over 90%": 100k/n > 90.   "less than half": 100k/n < 50.
- "nearly 90%": 85 <= 100k/n < 90 (below the figure, within 5 points).
- "All 54" / "None": k = n / k = 0.   A stated count ("23 out of 54") pins k.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from etl.schema import Col, Qualifier

# Figures a bar is drawn solid to: the number printed is the share (a bound or a derived share is not).
SOLID_QUALIFIERS = (Qualifier.EXACT.value, Qualifier.ALL.value, Qualifier.NONE.value)
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


Figure = tuple[float, str]  # (value, qualifier) of a reported figure


def _fits_together(figures: Sequence[Figure], n: int) -> bool:
    """Whether every figure can come from ``n`` respondents at once: each has a count out of n that gives it,
    and their lowest counts together are at most n (the answers to one question exclude each other)."""
    lows = []
    for value, qualifier in figures:
        rng = feasible_counts(value, qualifier, n)
        if rng is None:
            return False
        lows.append(rng[0])
    return sum(lows) <= n


def joint_fitting_bases(figures: Sequence[Figure], max_base: int) -> list[int]:
    """The bases n <= max_base, largest first, out of which all ``figures`` (the answers to one question about
    one item) can come together."""
    return [n for n in range(max_base, 0, -1) if _fits_together(figures, n)]


def extent(row: Mapping) -> tuple[float, float, float]:
    """(solid end, range start, range end) in percent of a result row, as every chart draws it: an exact figure
    is solid to its value; a bound is solid to the lowest share it allows and its range hatched beyond; a derived
    share is its count's share. A ranked chart orders its bars by the solid end."""
    if row[Col.QUALIFIER] in SOLID_QUALIFIERS:
        return row[Col.VALUE], row[Col.VALUE], row[Col.VALUE]
    if row[Col.QUALIFIER] == Qualifier.DERIVED.value:
        return row[Col.PCT_LOW], row[Col.PCT_LOW], row[Col.PCT_LOW]
    return row[Col.PCT_LOW], row[Col.PCT_LOW], row[Col.PCT_HIGH]


def words(value: float, qualifier: str) -> str:
    """A figure as a reader would say it: "29%", "over 90%", "less than 25%"."""
    q = Qualifier(qualifier)
    prefix = {
        Qualifier.OVER: "over ",
        Qualifier.LESS_THAN: "less than ",
        Qualifier.NEARLY: "nearly ",
        Qualifier.ABOUT: "about ",
    }.get(q, "")
    return f"{prefix}{value:g}%"


def _whole(x: float) -> int:
    """``x`` rounded to a whole number, halves up (as a printed percentage is)."""
    return math.floor(x + 0.5)


def _listed(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _no_count_flag(value: float, base: int, noun: str, partners: Sequence[Figure], bases: list[int]) -> str:
    """Plain words first, arithmetic second: why an exact percentage cannot come from its base, the likely
    causes (without choosing one), and the bases that fit it together with the other answers to its question."""
    below = math.floor(value * base / 100)
    near = [k for k in (below, below + 1) if 0 <= k <= base]
    would = ", ".join(f"{k} would be {_whole(100 * k / base)}%" for k in near)
    text = (
        f"Reported as {value:g}%, but no whole number of the {base} {noun} makes {value:g}% ({would}). "
        f"Either some {noun} skipped this question, or a figure was mistyped or rounded: "
    )
    if not bases:
        return text + f"no base up to {base} fits {value:g}%."
    shown = _listed([str(b) for b in bases[:5]])
    if partners:
        both = "both" if len(partners) == 1 else "all of"
        figures = _listed([f"{value:g}%", *(words(v, q) for v, q in partners)])
        return text + f"of the bases that fit {both} {figures}, the largest are {shown}."
    return text + f"the largest bases that fit {value:g}% are {shown}."


def derive_result(
    value: float,
    qualifier: str,
    base: int | None,
    count: int | None,
    *,
    noun: str = "respondents",
    partners: Sequence[Figure] = (),
) -> dict:
    """All derived columns of one survey result, as a dict of Result fields.

    ``noun`` names the survey's respondents in a flag ("councils", "schools"). ``partners`` are the other
    reported answers to the same question about the same item on the same base (not derived ones): the figure
    is checked together with them, and the bases a flag lists fit them all.
    """
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
    q = Qualifier(qualifier)
    rng = feasible_counts(value, qualifier, base, count)
    out["consistent"] = rng is not None
    if rng is not None:
        lo, hi = rng
        out["count_min"], out["count_max"] = lo, hi
        out["pct_low"], out["pct_high"] = _pct(lo, base), _pct(hi, base)
        # Sampling uncertainty of a count the report pins; none for a bound or a share derived from others.
        if lo == hi and q in (Qualifier.EXACT, Qualifier.ALL, Qualifier.NONE):
            out["wilson_low"], out["wilson_high"] = wilson_interval(lo, base)
        # Checked together with the partners that can come from this base (one that cannot is flagged itself).
        fitting = [(v, pq) for v, pq in partners if feasible_counts(v, pq, base) is not None]
        if fitting and q is not Qualifier.DERIVED and not _fits_together([(value, qualifier), *fitting], base):
            need = lo + sum(feasible_counts(v, pq, base)[0] for v, pq in fitting)
            figures = _listed([words(value, qualifier), *(words(v, pq) for v, pq in fitting)])
            out["consistent"] = False
            out["wilson_low"] = out["wilson_high"] = None
            out["fitting_bases"] = joint_fitting_bases([(value, qualifier), *fitting], base)
            out["flag"] = (
                f"Reported as {figures} of the {base} {noun} answering one question, but together these need at "
                f"least {need} of them. Either a figure was mistyped or rounded, or {noun} could give more than "
                "one answer."
            )
        return out
    # No count out of this base gives the figure: say so in words, then which bases would.
    out["pct_low"], out["pct_high"] = percent_range(value, qualifier)
    if count is not None:
        out["flag"] = (
            f"Reported as {value:g}% and as {count} of {base} {noun}, but {count} of {base} is "
            f"{_whole(100 * count / base)}%: one of the two was probably mistyped."
        )
        return out
    if q is Qualifier.EXACT:
        bases = joint_fitting_bases([(value, qualifier), *partners], base)
        out["fitting_bases"] = bases
        out["flag"] = _no_count_flag(value, base, noun, partners, bases)
    else:
        out["flag"] = f"Reported as {words(value, qualifier)}, but no whole number of the {base} {noun} gives it."
    return out
