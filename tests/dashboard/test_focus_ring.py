"""The focus ring measures at least 3:1 (WCAG 2.2, non-text contrast) against every background it is drawn on,
computed from the colours in style.css: the page, cards, the light panels, notices, and (with its own colour)
the accent-coloured site bar of the chart pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "dashboard" / "assets" / "style.css").read_text(encoding="utf-8")


def var(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{3,6}})\b", CSS).group(1)


def luminance(colour: str) -> float:
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_is_computed_as_wcag_says():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#ffbf47", "#f6f6f4") < 3  # the ring this replaced: about 1.6:1


@pytest.mark.parametrize("background", ["bg", "card", "warn-bg"])
def test_the_focus_ring_stands_out_on_every_light_background(background):
    assert contrast(var("focus"), var(background)) >= 3


@pytest.mark.parametrize("background", ["#fafafa", "#eef2f6", "#eee"])  # pills, table heads, bar tracks
def test_the_focus_ring_stands_out_on_the_light_panels(background):
    assert contrast(var("focus"), background) >= 3


def test_the_ring_on_the_accent_site_bar_has_its_own_colour():
    assert ".site-bar :focus-visible { outline-color: var(--focus-on-accent); }" in CSS
    assert contrast(var("focus-on-accent"), var("accent")) >= 3


def test_every_ring_uses_the_focus_colours():
    """No outline in the stylesheet names a colour of its own: each is one of the two measured above."""
    outlines = re.findall(r"outline(?:-color)?:\s*([^;}]+)", CSS)
    assert outlines and all("var(--focus" in o or o.strip() in ("none", "0") for o in outlines), outlines
