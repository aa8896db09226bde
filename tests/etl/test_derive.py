"""etl.derive against hand-computed values (the arithmetic is in the comments)."""

from __future__ import annotations

import re

import pytest

from etl import derive
from etl.derive import derive_result, feasible_counts, fitting_bases, joint_fitting_bases, wilson_interval


@pytest.mark.parametrize(
    "value, qualifier, base, count, expected",
    [
        # over 90% of 54: 100k/54 > 90 <=> k > 48.6; 48/54 = 88.9, 49/54 = 90.7
        (90, "over", 54, None, (49, 54)),
        # 98% of 54: 52/54 = 96.3, 53/54 = 98.15 (|0.15| <= 0.5), 54/54 = 100
        (98, "exact", 54, None, (53, 53)),
        # over 80%: k > 43.2; 43/54 = 79.6, 44/54 = 81.5
        (80, "over", 54, None, (44, 54)),
        # over 75%: k > 40.5; 40/54 = 74.1, 41/54 = 75.9
        (75, "over", 54, None, (41, 54)),
        # less than half: k < 27; 27/54 = 50.0 is not less, 26/54 = 48.1
        (50, "less_than", 54, None, (0, 26)),
        # less than a quarter: k < 13.5; 13/54 = 24.1, 14/54 = 25.9
        (25, "less_than", 54, None, (0, 13)),
        # nearly 90%: 85 <= 100k/54 < 90; 45/54 = 83.3, 46/54 = 85.2, 48/54 = 88.9, 49/54 = 90.7
        (90, "nearly", 54, None, (46, 48)),
        # All 54 / None of 54
        (100, "all", 54, 54, (54, 54)),
        (100, "all", 54, None, (54, 54)),
        (0, "none", 54, 0, (0, 0)),
        (0, "none", 54, None, (0, 0)),
        # 29% of 54: 15/54 = 27.8 (1.2 off), 16/54 = 29.6 (0.6 off): no whole count rounds to 29
        (29, "exact", 54, None, None),
        # 43% with stated count 23: 23/54 = 42.59, |42.59 - 43| = 0.41 <= 0.5
        (43, "exact", 54, 23, (23, 23)),
        # 20% with stated count 11: 11/54 = 20.37
        (20, "exact", 54, 11, (11, 11)),
        # a stated count contradicting the percentage: 20/54 = 37.0, not 43
        (43, "exact", 54, 20, None),
        # a stated count contradicting a bound: 40/54 = 74.1 is not over 75
        (75, "over", 54, 40, None),
        # "All" with a count other than the base
        (100, "all", 54, 53, None),
        # derived: the stated count is the figure
        (37.037037037037, "derived", 54, 20, (20, 20)),
        # small bases: 2/4 = 50; 1/3 = 33.3; 0/3 = 0 and 1/3 = 33.3 are both not over 33.4
        (50, "exact", 4, None, (2, 2)),
        (33, "exact", 3, None, (1, 1)),
        (67, "exact", 3, None, (2, 2)),  # 2/3 = 66.7
        (25, "exact", 3, None, None),  # 0, 33.3, 66.7, 100: none within 0.5 of 25
        (50, "over", 4, None, (3, 4)),  # 3/4 = 75 > 50; 2/4 = 50 is not over
        (50, "less_than", 4, None, (0, 1)),  # 1/4 = 25 < 50
        (100, "exact", 1, None, (1, 1)),
        # boundaries: 1/8 = 12.5 rounds to 12 or 13 (half a point either way), so both admit k = 1
        (12, "exact", 8, None, (1, 1)),
        (13, "exact", 8, None, (1, 1)),
    ],
)
def test_feasible_counts(value, qualifier, base, count, expected):
    """The range of counts a figure allows out of its base, or None if none does."""
    assert feasible_counts(value, qualifier, base, count) == expected


@pytest.mark.parametrize(
    "k, n, low, high",
    [
        # Bounds solve (n + z²)p² - (2k + z²)p + k²/n = 0 with z = 1.959964, z² = 3.841459:
        # p = (b ± sqrt(b² - 4ac)) / 2a, a = n + z², b = 2k + z², c = k²/n.
        # k=52, n=54: a = 57.84146, b = 107.84146, c = 50.07407;
        #   b² - 4ac = 11629.780 - 11585.430 = 44.350, sqrt = 6.65960;
        #   (107.84146 ∓ 6.65960) / 115.68292 = 0.874648, 0.989784
        (52, 54, 87.465, 98.978),
        # k=0, n=54: low = 0; high = z²/(n + z²) = 3.8415/57.8415 = 0.066414
        (0, 54, 0.0, 6.641),
        # k=n=54: by symmetry low = n/(n + z²) = 54/57.8415 = 0.933586, high = 1
        (54, 54, 93.359, 100.0),
        # k=20, n=54: a = 57.84146, b = 43.84146, c = 7.40741;
        #   b² - 4ac = 1922.0732 - 1713.8207 = 208.2525, sqrt = 14.43096;
        #   (43.84146 ∓ 14.43096) / 115.68292 = 0.254234, 0.503725
        (20, 54, 25.423, 50.373),
        # k=1, n=3: a = 6.84146, b = 5.84146, c = 0.33333;
        #   b² - 4ac = 34.12265 - 9.12195 = 25.00070, sqrt = 5.00007;
        #   (5.84146 ∓ 5.00007) / 13.68292 = 0.061492, 0.792340
        (1, 3, 6.149, 79.234),
    ],
)
def test_wilson_interval(k, n, low, high):
    """The Wilson 95% interval, in percent, to 3 decimals."""
    lo, hi = wilson_interval(k, n)
    assert (round(lo, 3), round(hi, 3)) == (low, high)
    assert 0.0 <= lo <= 100.0 * k / n <= hi <= 100.0


@pytest.mark.parametrize("k, n", [(0, 0), (1, 0), (0, -1), (-1, 54), (55, 54), (1.5, 1)])
def test_wilson_interval_rejects(k, n):
    """A non-positive n or a k outside 0..n is a ValueError."""
    with pytest.raises(ValueError):
        wilson_interval(k, n)


def test_fitting_bases_for_29_percent():
    """29% fits 52, 51, 49, 48, 45 first, and not 54, 53, 50."""
    bases = fitting_bases(29, 54)
    # 15/52 = 28.85, 15/51 = 29.41, 14/49 = 28.57, 14/48 = 29.17, 13/45 = 28.89: all within 0.5 of 29
    assert bases[:5] == [52, 51, 49, 48, 45]
    # 54: 15 -> 27.78, 16 -> 29.63; 53: 15 -> 28.30, 16 -> 30.19; 50: 14 -> 28, 15 -> 30;
    # 47: 14 -> 29.79; 46: 13 -> 28.26, 14 -> 30.43
    for n in (54, 53, 50, 47, 46):
        assert n not in bases
    assert bases == sorted(bases, reverse=True)


@pytest.mark.parametrize(
    "value, max_base, expected",
    [
        (50, 4, [4, 2]),  # 2/4 = 50, 1/2 = 50; 3: 33.3, 66.7; 1: 0, 100
        (100, 3, [3, 2, 1]),  # k = n always gives 100
        (33, 3, [3]),  # 1/3 = 33.3; 2: 0, 50; 1: 0, 100
    ],
)
def test_fitting_bases_small(value, max_base, expected):
    """Every base up to max_base that can give the whole percentage, largest first."""
    assert fitting_bases(value, max_base) == expected


def test_derive_result_flags_29_percent_of_54():
    """29% of 54 is inconsistent; the flag names 54 and the largest fitting base 52, and no interval is given
    for a figure no count of its base can produce."""
    out = derive_result(29, "exact", 54, None)
    assert out["consistent"] is False
    assert out["count_min"] is None and out["count_max"] is None
    assert re.search(r"\b54\b", out["flag"]) and re.search(r"\b52\b", out["flag"])
    assert out["fitting_bases"][:5] == [52, 51, 49, 48, 45]
    assert out["wilson_low"] is None and out["wilson_high"] is None
    assert "interval" not in out["flag"]


def test_joint_fitting_bases_for_29_and_44_percent():
    """29% and 44% of one question fit together only 52, 48, 45, 41 and 34 respondents (up to 54)."""
    # 51: 15/51 = 29.41 but 22/51 = 43.14, 23/51 = 45.10; 49: 14/49 = 28.57 but 21/49 = 42.86, 22/49 = 44.90
    # 41: 12/41 = 29.27, 18/41 = 43.90; 34: 10/34 = 29.41, 15/34 = 44.12
    assert joint_fitting_bases([(29, "exact"), (44, "exact")], 54) == [52, 48, 45, 41, 34]


def test_derive_result_checks_a_figure_with_its_partners():
    """The 29% flag, given the 44% of the same question, lists the bases that fit both: plain words first (no
    whole number of the 54 councils makes 29%), arithmetic second, and both likely causes without choosing."""
    out = derive_result(29, "exact", 54, None, noun="councils", partners=[(44, "exact")])
    assert out["fitting_bases"] == [52, 48, 45, 41, 34]
    assert out["flag"] == (
        "Reported as 29%, but no whole number of the 54 councils makes 29% (15 would be 28%, 16 would be 30%). "
        "Either some councils skipped this question, or a figure was mistyped or rounded: of the bases that fit "
        "both 29% and 44%, the largest are 52, 48, 45, 41 and 34."
    )
    # the partner that can come from 54 is not flagged because the 29% cannot
    partner = derive_result(44, "exact", 54, None, noun="councils", partners=[(29, "exact")])
    assert partner["consistent"] is True and partner["flag"] is None and partner["count_min"] == 24


def test_derive_result_flags_answers_that_do_not_fit_together():
    """Two answers to one question that each fit the base but together need more respondents than answered are
    both flagged, with no interval."""
    # over 60% of 10: 7..10; over 50%: 6..10; together at least 13 of 10
    out = derive_result(60, "over", 10, None, noun="schools", partners=[(50, "over")])
    assert out["consistent"] is False and (out["count_min"], out["count_max"]) == (7, 10)
    assert "need at least 13 of them" in out["flag"] and "10 schools" in out["flag"]
    assert out["wilson_low"] is None
    # 30% and 60% of 10 fit together (3 + 6 <= 10)
    assert derive_result(30, "exact", 10, None, partners=[(60, "exact")])["flag"] is None


@pytest.mark.parametrize("noun", ["councils", "schools"])
def test_derive_result_flag_names_the_respondents(noun):
    """The flag of an impossible percentage names the survey's respondents, never another survey's."""
    flag = derive_result(29, "exact", 54, None, noun=noun)["flag"]
    assert f"no whole number of the 54 {noun} makes 29%" in flag and f"some {noun} skipped this question" in flag
    other = "schools" if noun == "councils" else "councils"
    assert other not in flag


def test_derive_result_flags_contradicting_count():
    """A stated count that does not give the percentage is flagged, with no count range."""
    out = derive_result(43, "exact", 54, 20)  # 20/54 = 37.0
    assert out["consistent"] is False
    assert out["count_min"] is None
    assert "20" in out["flag"] and "54" in out["flag"]


@pytest.mark.parametrize(
    "value, qualifier, base, count, k",
    [
        (57, "exact", 54, None, 31),  # 31/54 = 57.41; 30/54 = 55.56, 32/54 = 59.26
        (43, "exact", 54, 23, 23),
        (100, "all", 54, 54, 54),
        (0, "none", 54, 0, 0),
    ],
)
def test_derive_result_exact_figure(value, qualifier, base, count, k):
    """A consistent exact figure pins one count and has the Wilson interval of that count."""
    out = derive_result(value, qualifier, base, count)
    assert out["consistent"] is True and out["flag"] is None
    assert out["count_min"] == out["count_max"] == k
    assert out["pct_low"] == out["pct_high"] == pytest.approx(100 * k / base)
    assert (out["wilson_low"], out["wilson_high"]) == wilson_interval(k, base)


def test_derive_result_derived_share_has_no_interval():
    """A share derived from the others (Figure 7's 20 of 54 "not reported") pins its count but has no interval:
    it is not a sampled answer."""
    out = derive_result(37.037037037037, "derived", 54, 20)
    assert out["consistent"] is True and out["count_min"] == out["count_max"] == 20
    assert out["wilson_low"] is None and out["wilson_high"] is None


@pytest.mark.parametrize(
    "value, qualifier, lo, hi",
    [
        (90, "over", 49, 54),  # 49/54 = 90.74 .. 54/54 = 100
        (50, "less_than", 0, 26),  # 0 .. 26/54 = 48.15
        (90, "nearly", 46, 48),  # 46/54 = 85.19 .. 48/54 = 88.89
    ],
)
def test_derive_result_bound_has_no_interval(value, qualifier, lo, hi):
    """A bound gives a count range and its percentages, but no Wilson interval."""
    out = derive_result(value, qualifier, 54, None)
    assert out["consistent"] is True and out["flag"] is None
    assert (out["count_min"], out["count_max"]) == (lo, hi)
    assert (out["pct_low"], out["pct_high"]) == pytest.approx((100 * lo / 54, 100 * hi / 54))
    assert out["wilson_low"] is None and out["wilson_high"] is None


@pytest.mark.parametrize(
    "value, qualifier, pct",
    [
        (97, "over", (97, 100)),
        (50, "less_than", (0, 50)),
        (90, "nearly", (85, 90)),  # within 5 points below
        (100, "all", (100, 100)),
        (0, "none", (0, 0)),
        (3, "about", (0, 8)),  # 3 ± 5, clipped at 0
        (96, "exact", (95.5, 96.5)),  # a printed whole "96%" is anything that rounds to 96
    ],
)
def test_derive_result_without_base(value, qualifier, pct):
    """With no base only the percentage range is derived: no counts, interval or consistency."""
    out = derive_result(value, qualifier, None, None)
    assert (out["pct_low"], out["pct_high"]) == pytest.approx(pct)
    assert out["count_min"] is None and out["count_max"] is None
    assert out["wilson_low"] is None and out["consistent"] is None and out["flag"] is None
    assert out["fitting_bases"] == []


@pytest.mark.parametrize(
    "qualifier, value, pct_low, pct_high, expected",
    [
        ("exact", 44, 43.87, 43.87, (44, 44, 44)),  # solid to the printed figure
        ("all", 100, 100.0, 100.0, (100, 100, 100)),
        ("over", 90, 90.74, 100.0, (90.74, 90.74, 100.0)),  # solid to the lowest share allowed, hatched to 100
        ("less_than", 50, 0.0, 48.15, (0.0, 0.0, 48.15)),
        ("derived", 4.245283018868, 4.245283018868, 4.245283018868, (4.245283018868,) * 3),
    ],
)
def test_extent_is_the_solid_share_rule(qualifier, value, pct_low, pct_high, expected):
    """The share a bar is drawn solid to and the range hatched beyond, once: the ranked order (etl.build) and the
    bars (dashboard.figures.extent) both use it."""
    row = {"qualifier": qualifier, "value": value, "pct_low": pct_low, "pct_high": pct_high}
    assert derive.extent(row) == expected
