"""Colour carries one meaning: the response group. No two groups drawn in one chart are indistinguishable to a
reader with a common colour-vision deficiency, simulated with Machado, Oliveira & Fernandes (2009) at full
severity, and compared as CIE76 colour differences in CIELAB."""

from __future__ import annotations

import itertools
import math

import pytest

# Machado et al. 2009, severity 1.0, applied to linear sRGB.
SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
    "typical": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
}
MIN_DIFFERENCE = 15.0  # CIE76 ΔE: about six times a just-noticeable difference


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def lab(hex_colour: str, vision: str) -> tuple[float, float, float]:
    """The CIELAB (D65) colour ``hex_colour`` appears as under ``vision``."""
    rgb = [_linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5)]
    m = SIMULATIONS[vision]
    r, g, b = (max(0.0, min(1.0, sum(m[i][j] * rgb[j] for j in range(3)))) for i in range(3))
    x, y, z = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def difference(a: str, b: str, vision: str) -> float:
    return math.dist(lab(a, vision), lab(b, vision))


@pytest.mark.parametrize(
    "a, b, vision, expected", [("#000000", "#FFFFFF", "typical", 100.0), ("#FF0000", "#FF0000", "deuteranopia", 0.0)]
)
def test_difference_is_cie76(a, b, vision, expected):
    assert difference(a, b, vision) == pytest.approx(expected, abs=0.1)


def test_red_and_green_collide_for_deuteranopes():
    """The check can fail: pure red and a green of its lightness are confused under deuteranopia."""
    assert (
        difference("#D55E00", "#5E8F00", "deuteranopia") < MIN_DIFFERENCE < difference("#D55E00", "#5E8F00", "typical")
    )


def test_no_two_groups_in_a_chart_are_confused(both_store):
    """For every chart of every survey, each pair of response groups it draws stays apart under each vision."""
    problems = []
    for survey in both_store.surveys.values():
        for spec in survey.charts:
            groups = list(dict.fromkeys(r["group"] for r in both_store.chart_rows(spec)))
            for (g, h), vision in itertools.product(itertools.combinations(groups, 2), SIMULATIONS):
                d = difference(both_store.groups[g]["colour"], both_store.groups[h]["colour"], vision)
                if d < MIN_DIFFERENCE:
                    problems.append(f"{survey.id}/{spec.slug}: {g} and {h} under {vision}: ΔE {d:.1f}")
    assert not problems, "\n".join(problems)


def test_every_group_is_told_apart_from_every_other(both_store):
    """Stronger: any two groups of the data, whether or not a chart draws them together, stay apart."""
    groups = both_store.groups
    close = [
        f"{g} and {h} under {vision}"
        for (g, h), vision in itertools.product(itertools.combinations(groups, 2), SIMULATIONS)
        if difference(groups[g]["colour"], groups[h]["colour"], vision) < MIN_DIFFERENCE
    ]
    assert not close, close
