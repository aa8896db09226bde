"""Dates as people write them: the month names, written once for the ETL and the dashboard."""

from __future__ import annotations

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


def month_name(number: str | int) -> str:
    """The name of month ``number`` (1-12, or "01"-"12" as an ISO date writes it)."""
    return MONTHS[int(number) - 1]
