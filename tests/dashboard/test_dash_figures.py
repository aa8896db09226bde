"""dashboard.figures: the pure chart builders, checked on the data they draw (traces, customdata, layout), not pixels."""

from __future__ import annotations

import html
import math
import re
import subprocess
import sys
from pathlib import Path

import factory
import pytest

from dashboard.data import filter_by_themes
from dashboard.figures import HOVER, LABEL_PX, LABEL_SIZE, build_chart, labels_of, value_label
from dashboard.textfit import text_width
from etl.schema import Col

N = 54
Z = 1.959963984540054
ROOT = Path(__file__).resolve().parents[2]
KEYS = factory.SLUGS
FIG = {n: KEYS[n] for n in range(1, 9)}
OVERVIEW, WAVES = KEYS[0], KEYS[9]
FIG5_SENTENCE = (
    "All 54 local authorities that responded were positive or somewhat positive about the impact of legislation to "
    "manage the INMSS market, over 90% were supportive of proposals for reforming funding for special schools and "
    "rolling out inclusion bases, and nearly 90% were supportive of the development of nationally defined specialist "
    "support packages."
)
FIG5_SECTION = "Developing a more stable and coherent special sector"
FLAGGED = "Statutory duties within the funding envelope, post legislation — not confident"


def pct(k: int, n: int = N) -> float:
    """k councils of n, in percent."""
    return 100 * k / n


def wilson(k: int, n: int = N) -> tuple[float, float]:
    """The Wilson 95% score interval of k of n, in percent, written out from the formula."""
    p, z2 = k / n, Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def plain(text: str) -> str:
    """Plotly label text as a reader sees it: no <br> or <b>, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text.replace("<br>", " ")))


def squash(text: str) -> str:
    """Plain text without any whitespace, so wrapping never matters."""
    return re.sub(r"\s+", "", plain(text))


_DRAWN: dict = {}


def chart(store, key, themes=(), frame="page", **kwargs):
    """The chart ``key`` of the default survey on the results of ``themes`` (all when empty), built once."""
    memo = (id(store), key, tuple(themes), frame, tuple(sorted(kwargs.items())))
    if memo not in _DRAWN:
        survey = store.survey(store.default_survey)
        spec = survey.chart(key)
        full = store.chart_rows(spec)
        rows = store.chart_rows(spec, filter_by_themes(store.results, list(themes)))
        _DRAWN[memo] = build_chart(
            rows, spec, labels_of(store), frame=frame, multi_category=len({r[Col.CATEGORY] for r in full}) > 1, **kwargs
        )
    return _DRAWN[memo]


def bars(fig) -> dict[str, dict]:
    """Each bar by its hover label: solid end, range (start, end) if hatched, error (plus, minus), y."""
    out: dict[str, dict] = {}
    for tr in fig.data:
        for i, cd in enumerate(tr.customdata):
            entry = out.setdefault(plain(cd[0]), {"range": None, "error": None, "custom": cd})
            if tr.base is None:
                entry["solid"], entry["y"] = tr.x[i], tr.y[i]
                if tr.error_x.array is not None:
                    entry["error"] = (tr.error_x.array[i], tr.error_x.arrayminus[i])
            else:
                entry["range"], entry["range_y"] = (tr.base[i], tr.base[i] + tr.x[i]), tr.y[i]
    return out


def bar(fig, label: str) -> dict:
    """The one bar whose hover label starts with ``label``."""
    hits = [v for k, v in bars(fig).items() if squash(k).startswith(squash(label))]
    assert len(hits) == 1, f"{label!r}: {len(hits)} bars in {list(bars(fig))}"
    return hits[0]


def bar_annotations(fig) -> list[str]:
    """The raw texts written above the bars (y in plot pixels)."""
    return [a.text for a in fig.layout.annotations if a.yref == "y"]


def footer(fig) -> str:
    """The plain text of a framed figure's footer annotation (source, base, encoding, notes, flags)."""
    [text] = [a.text for a in fig.layout.annotations if a.yref == "paper" and a.y == 0]
    return plain(text)


def header(fig) -> list[str]:
    """The plain texts of a framed figure's title, question and key annotations, top to bottom."""
    return [plain(a.text) for a in fig.layout.annotations if a.yref == "paper" and a.y == 1]


# The catalogue: keys, file names, titles. -------------------------------------------------------------------


def test_chart_keys(survey):
    """The survey's charts, in catalogue order: the ranked overview, Figures 1-8, the comparison of waves."""
    assert [c.slug for c in survey.charts] == KEYS


@pytest.mark.parametrize(
    "key, filename",
    [
        (OVERVIEW, "support-for-every-proposal"),
        (FIG[1], "figure-1-what-the-reforms-will-lead-to"),
        (FIG[7], "figure-7-timescales"),
        (FIG[8], "figure-8-confidence-in-funding"),
        (WAVES, "then-and-now"),
    ],
)
def test_chart_filenames(survey, key, filename):
    """Each chart's export name says what it is, never Plotly's "newplot"."""
    assert survey.chart(key).filename == filename


def test_filenames_unique_and_safe(survey):
    names = [c.filename for c in survey.charts]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names)


@pytest.mark.parametrize(
    "key, title, question",
    [
        (
            FIG[1],
            "What councils believe the reforms will lead to",
            "Figure 1 · I believe that the SEND reforms will lead to…",
        ),
        (
            FIG[6],
            "How confident councils are in the capacity to deliver",
            "Figure 6 · Confidence in the capacity to deliver reforms",
        ),
        (
            FIG[8],
            "How confident councils are about funding",
            "Figure 8 · Confidence in the capacity to deliver reforms",
        ),
        (FIG[7], "Whether councils think the timescales are right", "Figure 7 · Timescales for implementation"),
    ],
)
def test_framed_titles(store, key, title, question):
    """A framed chart draws its short title, then the figure number and the report's question, then its key."""
    texts = header(chart(store, key, frame="export"))
    assert texts[0] == title and texts[1] == question
    assert len(texts) == 3


def test_page_frame_draws_no_header_or_footer(store):
    """On a page the HTML carries title, key and sources: the figure draws only bars, labels and axis."""
    fig = chart(store, FIG[8])
    assert all(a.yref == "y" for a in fig.layout.annotations)


# Bounds are ranges, never plain bars at the bound's value. ---------------------------------------------------


@pytest.mark.parametrize(
    "key, label, solid, rng",
    [
        (FIG[5], "Reforming funding for special schools", pct(49), (pct(49), 100)),  # over 90%: 49-54
        (FIG[5], "Rolling out inclusion bases", pct(49), (pct(49), 100)),
        (FIG[5], "Nationally defined specialist provision packages", pct(46), (pct(46), pct(48))),  # nearly 90%
        (FIG[5], "Legislation to manage the INMSS market", 100, None),  # All 54
        (FIG[6], "Our local partners have the capacity", 0, (0, pct(26))),  # less than half: 0-26
        (FIG[6], "Our council has the capacity", 87, None),
        (FIG[3], "Introduction of Individual Support Plans", 96, None),
        (FIG[4], "Experts at Hand offer", pct(44), (pct(44), 100)),  # over 80%: 44-54
        (FIG[8], "Statutory duties and transition within the funding envelope, next three years", 0, (0, pct(13))),
        (FIG[1], "A stronger focus on early intervention", pct(49), (pct(49), 100)),
        (FIG[2], "National Inclusion Standards — negative", 0, None),  # None
        (WAVES, "Isos survey for the LGA and CCN, 2023/24: The current SEND system is working well", 97, (97, 100)),
        (WAVES, "Isos survey for the LGA and CCN, 2023/24: The current SEND system is fair", 96, None),
    ],
)
def test_bar_extent(store, key, label, solid, rng):
    """A bound is solid to the lowest share it allows, then hatched across its range; an exact figure is one bar."""
    b = bar(chart(store, key), label)
    assert b["solid"] == pytest.approx(solid)
    if rng is None:
        assert b["range"] is None
    else:
        assert b["range"] == pytest.approx(rng)
        assert b["range_y"] == b["y"]


def test_fig5_traces(store):
    """Figure 5 is one solid trace and one hatched range trace over the three bounds."""
    fig = chart(store, FIG[5])
    solid, rng = fig.data
    assert solid.x == pytest.approx((100, pct(49), pct(49), pct(46)))
    assert rng.base == pytest.approx((pct(49), pct(49), pct(46)))
    assert rng.x == pytest.approx((100 - pct(49), 100 - pct(49), pct(48) - pct(46)))
    assert rng.marker.pattern.shape == "/"
    assert fig.layout.barmode == "overlay"


@pytest.mark.parametrize("key", [FIG[2], FIG[3]])
def test_exact_only_chart_has_no_range(store, key):
    """A chart of exact figures (and "None") draws no hatched range trace."""
    assert all(tr.base is None for tr in chart(store, key).data)


@pytest.mark.parametrize("key", KEYS)
def test_range_traces_are_hatched(store, key):
    """Every trace with a base is a hatched range; no solid trace of reported figures is hatched."""
    fig = chart(store, key)
    for tr in fig.data:
        if tr.base is not None:
            assert tr.marker.pattern.shape == "/"
        elif key != FIG[7]:
            assert tr.marker.pattern.shape in (None, "")


@pytest.mark.parametrize("key", KEYS)
def test_colour_is_the_response_group(store, key):
    """Every bar is coloured by its response group's one colour (never by theme)."""
    groups = {g["label"]: g["colour"] for g in store.groups.values()}
    for tr in chart(store, key).data:
        group = tr.name.split(":")[0] if key != FIG[7] else None
        colour = tr.marker.line.color
        if group:
            assert colour == groups[group], (tr.name, colour)
        else:
            assert colour in groups.values()


# Labels above the bars. -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, item, value",
    [
        (FIG[5], "Legislation to manage the INMSS market", "All 54"),
        (FIG[5], "Reforming funding for special schools", "over 90% · 49–54 of 54"),
        (FIG[5], "Nationally defined specialist provision packages", "nearly 90% · 46–48 of 54"),
        (FIG[6], "Our local partners have the capacity to deliver the reforms", "less than half · 0–26 of 54"),
        (FIG[3], "Introduction of Individual Support Plans", "96% · 52 of 54"),
        (FIG[1], "More effective partnership working", "57% · 31 of 54"),
        (FIG[8], FLAGGED, "29% ⚠ see note"),
        (WAVES, "Isos survey for the LGA and CCN, 2023/24: The current SEND system is fair", "96%"),
    ],
)
def test_bar_label(store, key, item, value):
    """The text above each bar is its item, then in bold what the report printed and the counts it allows."""
    texts = [t for t in bar_annotations(chart(store, key)) if squash(t).startswith(squash(item))]
    assert len(texts) == 1
    assert squash(texts[0]).endswith(squash(value))
    assert texts[0].rstrip().endswith("</b>")


@pytest.mark.parametrize("key", KEYS)
def test_one_label_per_bar(store, survey, key):
    """Every row of a chart has one label above its bar (Figure 7: one line per answer above its one bar)."""
    assert len(bar_annotations(chart(store, key))) == len(survey.chart(key).result_ids)


@pytest.mark.parametrize("key", KEYS)
def test_labels_fit_a_phone(store, key):
    """Every line of every label, measured in the chart's font, fits the 290 px a 375 px phone leaves."""
    for text in bar_annotations(chart(store, key)):
        for line in text.split("<br>"):
            words = html.unescape(re.sub(r"<[^>]+>", "", line))
            assert text_width(words, LABEL_SIZE, bold="<b>" in line) <= LABEL_PX + 12, words


def test_printed_count_not_repeated(store):
    """ "All 54" and "11 out of the 54" are not followed by their count, which the report printed."""
    [text] = [t for t in bar_annotations(chart(store, FIG[5])) if "INMSS" in t]
    assert "54 of 54" not in text
    [slow] = [t for t in bar_annotations(chart(store, FIG[7])) if "too slow" in t]
    assert "11 of 54" not in slow


def test_derived_label(store):
    """A derived share says so in its label."""
    row = next(r for r in store.results if r[Col.ID] == "fig7-not-reported")
    assert value_label(row) == "20 of 54 (derived, not reported)"


# Hover. ---------------------------------------------------------------------------------------------------------


def test_fig5_hover(store):
    """Figure 5's hover gives reported text, councils, section and the verbatim sentence of each bar."""
    fig = chart(store, FIG[5])
    got = {
        tuple(c.replace("<br>", " ") for c in cd[1:4]) + (squash(cd[4]), cd[6])
        for tr in fig.data
        for cd in tr.customdata
    }
    sentence = squash(f"“{FIG5_SENTENCE}”")
    assert got == {
        ("All 54", "54 of 54 councils", FIG5_SECTION, sentence, "Councils"),
        ("over 90%", "49–54 of 54 councils", FIG5_SECTION, sentence, "Councils"),
        ("nearly 90%", "46–48 of 54 councils", FIG5_SECTION, sentence, "Councils"),
    }


@pytest.mark.parametrize("key", KEYS)
def test_every_bar_has_hover(store, survey, key):
    """Every bar of every chart has its hover fields, the sentence being one of its rows'."""
    fig = chart(store, key)
    rows = store.chart_rows(survey.chart(key))
    sentences = {squash(f"“{html.escape(r[Col.VERBATIM], quote=False)}”") for r in rows if r[Col.VERBATIM] is not None}
    sections = {r[Col.SECTION] for r in rows}
    reported = {html.escape(r[Col.REPORTED_TEXT]) for r in rows}
    documents = {
        html.escape(store.sources[s][Col.SHORT_TITLE] or store.sources[s][Col.TITLE])
        for s in (r[Col.SOURCE] for r in rows)
    }
    for tr in fig.data:
        assert tr.hovertemplate == HOVER
        assert len(tr.customdata) == len(tr.x)
        for cd in tr.customdata:
            said, section = cd[1].replace("<br>", " "), cd[3].replace("<br>", " ")  # wrapped to the hover's width
            assert len(cd) == 8 and said in reported and cd[2] and section in sections and cd[7] in documents
            assert squash(cd[4]) in sentences or plain(cd[4]).startswith("Not reported")


@pytest.mark.parametrize(
    "rid, words",
    [
        ("fig5-special-school-funding", "“over 90%” of the 54 councils is at least 49 of them."),
        ("fig6-partner-capacity", "“less than half” of the 54 councils is at most 26 of them."),
        ("fig5-specialist-packages", "“nearly 90%” of the 54 councils is between 46 and 48 of them."),
        ("fig3-individual-support-plans", ""),
        ("baseline-system-working-well", ""),
    ],
)
def test_bounds_in_plain_words(store, rid, words):
    """A bound is said in words before any arithmetic, in the hover: what the printed words allow."""
    from dashboard.wording import in_words

    row = next(r for r in store.results if r[Col.ID] == rid)
    assert in_words(row, "councils") == words


def test_flagged_hover_does_not_deny_the_base(store):
    """The impossible 29% of 54 does not claim in its hover that its base was not stated."""
    assert "not stated" not in bar(chart(store, FIG[8]), FLAGGED)["custom"][2]


def test_waves_hover_names_each_survey_respondents(store):
    """The 2023/24 bars count "respondents" and cannot be counted; the 2026 bars count councils."""
    fig = chart(store, WAVES)
    nouns = {plain(cd[0]).split(":")[0]: (cd[6], cd[2]) for tr in fig.data for cd in tr.customdata}
    said = nouns["Isos survey for the LGA and CCN, 2023/24"]
    assert (said[0], said[1].replace("<br>", " ")) == (
        "Respondents",
        "not derivable: the number who answered is not stated",
    )
    assert nouns["LGA/CCN survey of councils, 2026"][0] == "Councils"


FIG4_ITEMS = [
    "fig4-experts-at-hand",
    "fig4-mainstream-inclusion-fund",
    "fig4-national-training",
    "fig4-core-funding-formula",
    "fig4-early-years-funding",
    "fig4-pooled-partnership-funding",
    "fig4-inclusion-accountability",
]


@pytest.mark.parametrize(
    "rid, note",
    [
        *[(rid, "Reported only as one bound for a group of items") for rid in FIG4_ITEMS],
        *[(rid, "item identified from the section's list of measures") for rid in FIG4_ITEMS],
        ("fig1-partnership-working", "The report does not name the figure for this number"),
        ("fig1-local-government-role", "it is placed in Figure 1 because it answers the same question"),
        ("fig8-funding-post-legislation", "The report prints Figure 8 with the same title as Figure 6"),
    ],
)
def test_judgement_calls_show_in_the_hover(store, rid, note):
    """The notes on how a record was placed or labelled are in the hover of its bar."""
    row = next(r for r in store.results if r[Col.ID] == rid)
    survey = store.survey(store.default_survey)
    key = next(c.slug for c in survey.charts if rid in c.result_ids and c.kind == "bars")
    hovers = [cd for tr in chart(store, key).data for cd in tr.customdata if plain(cd[0]).startswith(row[Col.ITEM])]
    assert hovers and all(squash(note) in squash(cd[5]) for cd in hovers)


@pytest.mark.parametrize(
    "key, item",
    [
        (FIG[3], "Changes to the law on parental preference"),
        (FIG[5], "Reforming funding for special schools"),
        (FIG[5], "Rolling out inclusion bases"),
        (FIG[5], "Nationally defined specialist provision packages"),
    ],
)
def test_supportive_as_printed(store, key, item):
    """Where the report says "supportive", the bar says "supportive", not "positive or somewhat positive"."""
    b = bar(chart(store, key), item)
    assert plain(b["custom"][0]).endswith("— supportive")


# Wilson intervals. ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, label, value, k",
    [
        (FIG[3], "Introduction of Individual Support Plans", 96, 52),
        (FIG[3], "Changes to the threshold for EHCPs", 89, 48),
        (FIG[3], "Changes to the law on parental preference", 81, 44),
        (FIG[6], "Our council has the capacity", 87, 47),
        (FIG[5], "Legislation to manage the INMSS market", 100, 54),
        (FIG[1], "A clear, achievable role for local government", 37, 20),
    ],
)
def test_wilson_error_bars(store, key, label, value, k):
    """With intervals on, an exact bar's error bar runs from its Wilson low to its Wilson high."""
    low, high = wilson(k)
    b = bar(chart(store, key, show_intervals=True), label)
    assert b["error"] == pytest.approx((high - value, value - low), abs=1e-9)


@pytest.mark.parametrize(
    "key, label",
    [
        (FIG[5], "Reforming funding for special schools"),
        (FIG[5], "Nationally defined specialist provision packages"),
        (FIG[6], "Our local partners have the capacity"),
        (WAVES, "Isos survey for the LGA and CCN, 2023/24: The current SEND system is fair"),  # exact, but no base
    ],
)
def test_no_wilson_on_bounds(store, key, label):
    """Bounds, and figures without a base, get no error bar even with intervals on."""
    assert bar(chart(store, key, show_intervals=True), label)["error"] == (None, None)


@pytest.mark.parametrize("key", KEYS)
def test_no_error_bars_without_toggle(store, key):
    """Without the toggle no trace has an error bar."""
    assert all(tr.error_x.array is None for tr in chart(store, key).data)


# Figure 7: one stacked bar. ---------------------------------------------------------------------------------------


def test_fig7_stacked(store):
    """Figure 7 stacks 23 too ambitious, 20 not reported (derived) and 11 too slow to the 54 councils."""
    fig = chart(store, FIG[7])
    assert fig.layout.barmode == "stack"
    assert [tr.name for tr in fig.data] == ["too ambitious", "not reported", "too slow"]
    assert [tr.x[0] for tr in fig.data] == pytest.approx([pct(23), pct(20), pct(11)])
    assert sum(tr.x[0] for tr in fig.data) == pytest.approx(100)
    assert all(tr.text is None for tr in fig.data)  # nothing written inside a segment, however narrow
    assert [plain(t) for t in bar_annotations(fig)] == [
        "■ too ambitious: 43% · 23 of 54",
        "▨ not reported: 20 of 54 (derived, not reported)",
        "■ too slow: 11 out of the 54 respondents (20%)",
    ]


def test_fig7_derived_hover_and_hatch(store):
    """The derived remainder is hatched grey and its hover says it was not reported."""
    derived = chart(store, FIG[7]).data[1]
    assert derived.marker.pattern.shape == "/"
    assert derived.marker.line.color == store.groups["not-reported"]["colour"]
    hover = plain(derived.customdata[0][4])
    assert hover.startswith("Not reported") and "54 - 23 - 11 = 20" in hover


# Keys, flags and footers. ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, items",
    [
        (FIG[2], ["Positive", "Negative"]),
        (FIG[7], ["Too ambitious", "Not reported (derived)", "Too slow"]),
        (FIG[5], ["Positive", "Hatched: the range a bound allows"]),
        (WAVES, ["Negative", "Positive", "Hatched: the range a bound allows"]),
    ],
)
def test_key(store, key, items):
    """Every framed chart's key names the response groups it shows, and the hatch when it draws a bound."""
    texts = header(chart(store, key, frame="export"))
    assert [i.strip() for i in re.split(r"[■▨]", texts[2]) if i.strip()] == items


def test_flag_in_label_and_footer(store):
    """The impossible 29% of 54 carries ⚠ in its label and its explanation in the footer."""
    fig = chart(store, FIG[8], frame="export")
    flagged = [t for t in bar_annotations(fig) if "⚠" in t]
    assert len(flagged) == 1 and squash(flagged[0]).startswith(squash(FLAGGED))
    assert squash("⚠ Reported as 29%, but no whole number of the 54 councils makes 29%") in squash(footer(fig))
    assert squash("the largest are 52, 48, 45, 41 and 34") in squash(footer(fig))


@pytest.mark.parametrize("key", [k for k in KEYS if k != FIG[8]])
def test_no_flag_elsewhere(store, key):
    """No other chart shows a consistency flag."""
    fig = chart(store, key, frame="export")
    assert "⚠" not in footer(fig) and not any("⚠" in t for t in bar_annotations(fig))


@pytest.mark.parametrize("key", [k for k in KEYS if k != WAVES])
def test_footer(store, key):
    """Every framed chart's footer names the source, the base with its noun and who answered."""
    text = footer(chart(store, key, frame="export"))
    assert text.startswith("Source: Isos Partnership for the LGA and CCN, “SEND reform")
    assert "Base: 54 councils responding (English local authorities)." in text
    assert "Solid: the share reported." in text


def test_waves_footer_states_both_respondent_groups(store):
    """The comparison names both surveys' sources and their different respondents."""
    text = footer(chart(store, WAVES, frame="export"))
    assert text.startswith("Sources: ")
    assert "2023/24: local authorities, schools and parents; the number who answered is not stated" in text
    assert "2026: 54 councils responding (English local authorities)" in text
    assert "different questions and different respondents" in text


# Theme filtering, meta. ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [k for k in KEYS if k != OVERVIEW])
def test_tribunals_leave_figures_empty(store, key):
    """The tribunal result is in no figure, so every figure is empty (None) for that theme."""
    assert chart(store, key, themes=["tribunals"]) is None


def test_overview_of_tribunals(store):
    """The overview filtered to tribunals has exactly one bar, the tribunal proposal at 80%."""
    fig = chart(store, OVERVIEW, themes=["tribunals"])
    assert len(fig.data) == 1 and fig.data[0].x == (80,)
    assert plain(fig.data[0].customdata[0][0]) == "A reformed role for the SEND Tribunal · Tribunals and disputes"


def test_overview_ranking(store):
    """The overview ranks all 18 positive results by the lowest share each allows, ties by name."""
    fig = chart(store, OVERVIEW)
    order = [k.split(" · ")[0].split(" — ")[0] for k, _ in sorted(bars(fig).items(), key=lambda kv: kv[1]["y"])]
    assert len(order) == 18
    assert order[:6] == [
        "Legislation to manage the INMSS market",  # All 54
        "National Inclusion Standards",  # 98%
        "Introduction of Individual Support Plans",  # 96%
        "Reviewing Local Area inspection arrangements",  # 94%
        "Reforming funding for special schools",  # over 90%: 90.7%
        "Rolling out inclusion bases",
    ]
    assert order[-2:] == ["Changes to the law on parental preference", "A reformed role for the SEND Tribunal"]


def test_filtered_chart_says_so(store):
    """A filtered framed chart says which themes it shows, so an exported chart says it is a subset."""
    fig = chart(store, OVERVIEW, themes=["tribunals"], frame="export", filtered="Filtered to: Tribunals & disputes")
    assert "(Filtered to: Tribunals & disputes)" in header(fig)[1]


@pytest.mark.parametrize("key", KEYS)
def test_meta(store, survey, key):
    """The figure's meta names the chart, its survey and its file name."""
    fig = chart(store, key)
    assert fig.layout.meta == {"key": key, "survey": survey.id, "filename": survey.chart(key).filename, "frame": "page"}


def test_figures_import_no_express_or_dash():
    """Importing the builders loads neither plotly.express nor Dash."""
    code = "import sys, dashboard.figures; print('plotly.express' in sys.modules, 'dash' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]
