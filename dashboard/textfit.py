"""Text width in pixels, and wrapping to a width, for the text Plotly draws (which never wraps by itself).

Widths are Helvetica's (Adobe's font metrics, in thousandths of an em). Arial and Liberation Sans, the fonts
the charts name first, have the same widths, so a label wrapped here to 300 px is at most 300 px wide on
screen and in exports. Characters not in the table count as wide (``UNKNOWN``), so an estimate errs long.
"""

from __future__ import annotations

UNKNOWN = 1000
SAFETY = 1.04  # rounding and kerning: measure a little long

_CHARS = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"


def _widths(units: list[int]) -> dict[str, int]:
    return dict(zip(_CHARS, units, strict=True))


# The two tables below are alike in shape because they are the same kind of data (the regular and the bold
# face's widths of _CHARS, as Adobe publishes them), not repeated code: keep them as printed, row for row.
_REGULAR = _widths(
    [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    ]
)  # fmt: skip
_BOLD = _widths(
    [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
        975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
        333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
        611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    ]
)  # fmt: skip
_OTHER = {"–": 556, "—": 1000, "‘": 222, "’": 222, "“": 333, "”": 333, "…": 1000, "£": 556, "·": 278, "×": 584}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` in pixels at font size ``size``."""
    table = _BOLD if bold else _REGULAR
    units = sum(table.get(ch) or _OTHER.get(ch, UNKNOWN) for ch in text)
    return units * size / 1000 * SAFETY


def wrap(text: str, max_px: float, size: float, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``max_px`` (a word longer than that stands alone)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold) > max_px:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
