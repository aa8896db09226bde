"""dashboard.figures: the pure chart builders, checked on the data they draw (traces, customdata, layout), not pixels."""

from __future__ import annotations

import dataclasses
import html
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.data import filter_by_themes
from dashboard.figures import HOVER, build_bar_figure, build_chart, graph_config, value_label
from etl.schema import Col

N = 54
Z = 1.959963984540054
ROOT = Path(__file__).resolve().parents[2]
KEYS = ["overview", *[f"fig{n}" for n in range(1, 9)], "baseline"]
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
    return html.unescape(re.sub(r"</?b>", "", text.replace("<br>", " ")))


def squash(text: str) -> str:
    """Plain text without any whitespace, so wrapping never matters."""
    return re.sub(r"\s+", "", plain(text))


_DRAWN: dict = {}


def chart(store, specs, key, themes=(), **kwargs):
    """build_chart for ``key`` on the results of ``themes`` (all when empty), as the views call it; built once per call."""
    memo = (id(store), key, tuple(themes), tuple(sorted(kwargs.items())))
    if memo not in _DRAWN:
        _DRAWN[memo] = build_chart(
            filter_by_themes(store.results, list(themes)),
            specs[key],
            theme_labels=store.theme_labels,
            all_results=store.results,
            **kwargs,
        )
    return _DRAWN[memo]


def bars(fig) -> dict[str, dict]:
    """Each bar by its hover label: solid end, range (start, end) if hatched, error (plus, minus), y."""
    out: dict[str, dict] = {}
    for tr in fig.data:
        for i, cd in enumerate(tr.customdata):
            entry = out.setdefault(plain(cd[5]), {"range": None, "error": None, "custom": cd})
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
    """The plain text of the footer annotation (source, base, encoding, flags)."""
    [text] = [a.text for a in fig.layout.annotations if a.yref == "paper"]
    return plain(text)


# The specs: keys, file names, titles. ------------------------------------------------------------------


def test_chart_keys(specs):
    """The page's charts, in order: the overview, Figures 1-8, the 2023/24 baseline."""
    assert list(specs) == KEYS


@pytest.mark.parametrize(
    "key, filename",
    [
        ("overview", "overview-support-for-every-proposal"),
        ("fig1", "figure-1-what-the-reforms-will-lead-to"),
        ("fig2", "figure-2-national-standards"),
        ("fig3", "figure-3-statutory-plans"),
        ("fig4", "figure-4-mainstream-inclusion"),
        ("fig5", "figure-5-specialist-provision"),
        ("fig6", "figure-6-confidence-in-capacity"),
        ("fig7", "figure-7-timescales"),
        ("fig8", "figure-8-confidence-in-funding"),
        ("baseline", "baseline-2023-24-survey"),
    ],
)
def test_chart_filenames(specs, key, filename):
    """Each chart's export name says what it is, never Plotly's "newplot"."""
    assert specs[key].filename == filename


def test_filenames_unique_and_safe(specs):
    """File names are distinct, lower-case slugs."""
    names = [s.filename for s in specs.values()]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) and "newplot" not in n for n in names)


@pytest.mark.parametrize(
    "key, title",
    [
        ("fig1", "Figure 1 · I believe that the SEND reforms will lead to....."),
        ("fig2", "Figure 2 · How positive LAs feel about key proposals"),
        ("fig3", "Figure 3 · How positive local authorities feel about key proposals"),
        ("fig5", "Figure 5 · How positive LAs feel about key proposals"),
        ("fig6", "Figure 6 · Confidence in the capacity to deliver reforms"),
        ("fig7", "Figure 7 · Timescales for implementation"),
        ("fig8", "Figure 8 · Confidence in the capacity to deliver reforms"),
        ("baseline", "2023/24 survey · Views of the current SEND system"),
    ],
)
def test_chart_titles(store, specs, key, title):
    """Titles carry the report's question wording, on the spec and (wrapped) on the figure."""
    assert specs[key].title == title
    assert plain(chart(store, specs, key).layout.title.text) == title


# Bounds are ranges, never plain bars at the bound's value. ---------------------------------------------------


@pytest.mark.parametrize(
    "key, label, solid, rng",
    [
        ("fig5", "Reforming funding for special schools", pct(49), (pct(49), 100)),  # over 90%: 49-54
        ("fig5", "Rolling out inclusion bases", pct(49), (pct(49), 100)),
        ("fig5", "Nationally defined specialist provision packages", pct(46), (pct(46), pct(48))),  # nearly 90%: 46-48
        ("fig5", "Legislation to manage the INMSS market", 100, None),  # All 54
        ("fig6", "Our local partners have the capacity", 0, (0, pct(26))),  # less than half: 0-26
        ("fig6", "Our council has the capacity", 87, None),
        ("fig3", "Introduction of Individual Support Plans", 96, None),
        ("fig4", "Experts at Hand offer", pct(44), (pct(44), 100)),  # over 80%: 44-54
        ("fig8", "Statutory duties and transition within the funding envelope, next three years", 0, (0, pct(13))),
        ("fig1", "A stronger focus on early intervention", pct(49), (pct(49), 100)),
        ("fig2", "National Inclusion Standards — negative", 0, None),  # None
        ("baseline", "The current SEND system is working well", 97, (97, 100)),  # over 97%, base not stated
        ("baseline", "The current SEND system is fair and equitable", 96, None),
    ],
)
def test_bar_extent(store, specs, key, label, solid, rng):
    """A bound is solid to the lowest share it allows, then hatched across its range; an exact figure is one bar."""
    b = bar(chart(store, specs, key), label)
    assert b["solid"] == pytest.approx(solid)
    if rng is None:
        assert b["range"] is None
    else:
        assert b["range"] == pytest.approx(rng)
        assert b["range_y"] == b["y"]


def test_fig5_traces(store, specs):
    """Figure 5 is one solid trace and one hatched range trace over the three bounds."""
    fig = chart(store, specs, "fig5")
    solid, rng = fig.data
    assert solid.x == pytest.approx((100, pct(49), pct(49), pct(46)))
    assert rng.base == pytest.approx((pct(49), pct(49), pct(46)))
    assert rng.x == pytest.approx((100 - pct(49), 100 - pct(49), pct(48) - pct(46)))
    assert rng.marker.pattern.shape == "/"
    assert fig.layout.barmode == "overlay"


@pytest.mark.parametrize("key", ["fig2", "fig3"])
def test_exact_only_chart_has_no_range(store, specs, key):
    """A chart of exact figures (and "None") draws no hatched range trace."""
    assert all(tr.base is None for tr in chart(store, specs, key).data)


@pytest.mark.parametrize("key", KEYS)
def test_range_traces_are_hatched(store, specs, key):
    """Every trace with a base is a hatched range; no solid trace of reported figures is hatched."""
    fig = chart(store, specs, key)
    for tr in fig.data:
        if tr.base is not None:
            assert tr.marker.pattern.shape == "/"
        elif key != "fig7":
            assert tr.marker.pattern.shape in (None, "")


# Labels above the bars. -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, item, value",
    [
        ("fig5", "Legislation to manage the INMSS market", "All 54"),
        ("fig5", "Reforming funding for special schools", "over 90% · 49–54 of 54"),
        ("fig5", "Nationally defined specialist provision packages", "nearly 90% · 46–48 of 54"),
        ("fig6", "Our local partners have the capacity to deliver the reforms", "less than half · 0–26 of 54"),
        ("fig3", "Introduction of Individual Support Plans", "96% · 52 of 54"),
        ("fig1", "More effective partnership working", "57% · 31 of 54"),
        ("fig8", FLAGGED, "29% ⚠ no count of 54 fits"),
        ("baseline", "The current SEND system is fair and equitable", "96%"),
    ],
)
def test_bar_label(store, specs, key, item, value):
    """The text above each bar is its item, then in bold what the report printed and the counts it allows."""
    texts = [t for t in bar_annotations(chart(store, specs, key)) if squash(t).startswith(squash(item))]
    assert len(texts) == 1
    assert texts[0].endswith(f"<b>{value}</b>")


@pytest.mark.parametrize("key", KEYS)
def test_one_label_per_bar(store, specs, key):
    """Every row of a chart has one label above its bar (Figure 7's stacked bar is labelled inside)."""
    fig = chart(store, specs, key)
    rows = store.results[specs[key].select(store.results)]
    assert len(bar_annotations(fig)) == (0 if key == "fig7" else len(rows))


def test_printed_count_not_repeated(store, specs):
    """ "All 54" is not followed by its count, which the report printed."""
    [text] = [t for t in bar_annotations(chart(store, specs, "fig5")) if "INMSS" in t]
    assert "54 of 54" not in text


def test_derived_label(by_id):
    """A derived share says so in its label."""
    assert value_label(by_id.loc["fig7-not-reported"]) == "20 of 54 (derived, not reported)"


def test_derived_bar_outside_stack(store, specs):
    """Drawn as plain bars, Figure 7's derived remainder is hatched and labelled derived."""
    spec = dataclasses.replace(specs["fig7"], stacked=False)
    rows = store.results[spec.select(store.results)]
    fig = build_bar_figure(rows, spec, multi_category=True)
    [text] = [t for t in bar_annotations(fig) if "not reported" in t]
    assert "(derived, not reported)" in text
    [trace] = [tr for tr in fig.data if tr.name == "not reported"]
    assert trace.marker.pattern.shape == ("/",)
    assert trace.x == pytest.approx((pct(20),))


# Hover. ---------------------------------------------------------------------------------------------------------


def test_fig5_hover(store, specs):
    """Figure 5's hover gives reported text, counts, section and the verbatim sentence of each bar."""
    fig = chart(store, specs, "fig5")
    got = {tuple(cd[:3]) + (squash(cd[3]),) for tr in fig.data for cd in tr.customdata}
    sentence = squash(f"“{FIG5_SENTENCE}”")
    assert got == {
        ("All 54", "54 of 54", FIG5_SECTION, sentence),
        ("over 90%", "49–54 of 54", FIG5_SECTION, sentence),
        ("nearly 90%", "46–48 of 54", FIG5_SECTION, sentence),
    }


@pytest.mark.parametrize("key", KEYS)
def test_every_bar_has_hover(store, specs, key):
    """Every bar trace of every chart has six hover fields per bar, the sentence being one of its rows'."""
    fig = chart(store, specs, key)
    rows = store.results[specs[key].select(store.results)]
    sentences = {squash(f"“{html.escape(v, quote=False)}”") for v in rows[Col.VERBATIM].dropna()}
    sections = set(rows[Col.SECTION])
    reported = {html.escape(t) for t in rows[Col.REPORTED_TEXT]}
    for tr in fig.data:
        assert tr.hovertemplate == HOVER
        assert len(tr.customdata) == len(tr.x)
        for cd in tr.customdata:
            assert len(cd) == 6 and cd[0] in reported and cd[1] and cd[2] in sections
            assert squash(cd[3]) in sentences or cd[3].startswith("Not reported")


def test_flagged_hover_does_not_deny_the_base(store, specs):
    """The impossible 29% of 54 does not claim in its hover that its base was not stated."""
    assert "base not stated" not in bar(chart(store, specs, "fig8"), FLAGGED)["custom"][1]


def test_baseline_hover_counts(store, specs):
    """A figure without a stated base says its counts cannot be derived."""
    fig = chart(store, specs, "baseline")
    assert {cd[1] for tr in fig.data for cd in tr.customdata} == {"not derivable (base not stated)"}


# Wilson intervals. ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, label, value, k",
    [
        ("fig3", "Introduction of Individual Support Plans", 96, 52),
        ("fig3", "Changes to the threshold for EHCPs", 89, 48),
        ("fig3", "Changes to the law on parental preference", 81, 44),
        ("fig6", "Our council has the capacity", 87, 47),
        ("fig5", "Legislation to manage the INMSS market", 100, 54),
        ("fig1", "A clear, achievable role for local government", 37, 20),
    ],
)
def test_wilson_error_bars(store, specs, key, label, value, k):
    """With intervals on, an exact bar's error bar runs from its Wilson low to its Wilson high."""
    low, high = wilson(k)
    b = bar(chart(store, specs, key, show_intervals=True), label)
    assert b["error"] == pytest.approx((high - value, value - low), abs=1e-9)


@pytest.mark.parametrize(
    "key, label",
    [
        ("fig5", "Reforming funding for special schools"),
        ("fig5", "Nationally defined specialist provision packages"),
        ("fig6", "Our local partners have the capacity"),
        ("baseline", "The current SEND system is fair and equitable"),  # exact, but no base
    ],
)
def test_no_wilson_on_bounds(store, specs, key, label):
    """Bounds, and figures without a base, get no error bar even with intervals on."""
    assert bar(chart(store, specs, key, show_intervals=True), label)["error"] == (None, None)


@pytest.mark.parametrize("key", KEYS)
def test_no_error_bars_without_toggle(store, specs, key):
    """Without the toggle no trace has an error bar."""
    assert all(tr.error_x.array is None for tr in chart(store, specs, key).data)


# Figure 7: one stacked bar. ---------------------------------------------------------------------------------------


def test_fig7_stacked(store, specs):
    """Figure 7 stacks 23 too ambitious, 20 not reported (derived) and 11 too slow to the 54 councils."""
    fig = chart(store, specs, "fig7")
    assert fig.layout.barmode == "stack"
    assert [tr.name for tr in fig.data] == ["too ambitious", "not reported (derived)", "too slow"]
    assert [tr.x[0] for tr in fig.data] == pytest.approx([pct(23), pct(20), pct(11)])
    assert sum(tr.x[0] for tr in fig.data) == pytest.approx(100)
    assert [plain(tr.text[0]) for tr in fig.data] == [
        "23 of 54 43%",
        "20 of 54 (derived)",
        "11 of 54 11 out of the 54 respondents (20%)",
    ]


def test_fig7_derived_hover_and_hatch(store, specs):
    """The derived remainder is hatched and its hover says it was not reported."""
    derived = chart(store, specs, "fig7").data[1]
    assert derived.marker.pattern.shape == "/"
    hover = plain(derived.customdata[0][3])
    assert hover.startswith("Not reported") and "54 - 23 - 11 = 20" in hover


# Flags and footers. ------------------------------------------------------------------------------------------------


def test_flag_in_label_and_footer(store, specs):
    """The impossible 29% of 54 carries ⚠ in its label and its explanation in the footer."""
    fig = chart(store, specs, "fig8")
    flagged = [t for t in bar_annotations(fig) if "⚠" in t]
    assert len(flagged) == 1 and squash(flagged[0]).startswith(squash(FLAGGED))
    assert squash("⚠ 29% cannot come from 54 respondents") in squash(footer(fig))


@pytest.mark.parametrize("key", [k for k in KEYS if k != "fig8"])
def test_no_flag_elsewhere(store, specs, key):
    """No other chart shows a consistency flag."""
    fig = chart(store, specs, key)
    assert "⚠" not in footer(fig) and not any("⚠" in t for t in bar_annotations(fig))


@pytest.mark.parametrize("key, base", [*[(k, "n = 54") for k in KEYS if k != "baseline"], ("baseline", "not stated")])
def test_footer(store, specs, key, base):
    """Every chart's footer names the source, the base and how to read the bars."""
    text = footer(chart(store, specs, key))
    assert text.startswith("Source: Isos Partnership for the LGA and CCN")
    assert base in text
    assert ("n = 54" in text) == (key != "baseline")
    assert "Hatched: the range a bound allows" in text


# Theme filtering, meta and config. ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [k for k in KEYS if k != "overview"])
def test_tribunals_leave_figures_empty(store, specs, key):
    """The tribunal result is in no figure, so every figure is empty (None) for that theme."""
    assert chart(store, specs, key, themes=["tribunals"]) is None


def test_overview_of_tribunals(store, specs):
    """The overview filtered to tribunals has exactly one bar, the tribunal proposal at 80%."""
    fig = chart(store, specs, "overview", themes=["tribunals"])
    assert len(fig.data) == 1 and fig.data[0].x == (80,)
    assert plain(fig.data[0].customdata[0][5]) == "A reformed role for the SEND Tribunal · Tribunals and disputes"


def test_overview_of_funding(store, specs):
    """The overview filtered to funding ranks its five positive results."""
    fig = chart(store, specs, "overview", themes=["funding"])
    order = [k.split(" · ")[0] for k, _ in sorted(bars(fig).items(), key=lambda kv: kv[1]["y"])]
    assert order == [
        "Reforming funding for special schools",
        "Early years SEND funding and inclusion fund",
        "High needs funding routed through mainstream core budgets",
        "Schools pooling SEND funding in local partnerships",
        "£1.6 billion mainstream inclusion fund",
    ]


def test_overview_ranking(store, specs):
    """The overview ranks all 18 positive results by the lowest share each allows, ties by name."""
    fig = chart(store, specs, "overview")
    order = [k.split(" · ")[0] for k, _ in sorted(bars(fig).items(), key=lambda kv: kv[1]["y"])]
    assert len(order) == 18
    assert order[:6] == [
        "Legislation to manage the INMSS market",  # All 54
        "National Inclusion Standards",  # 98%
        "Introduction of Individual Support Plans",  # 96%
        "Reviewing Local Area inspection arrangements",  # 94%
        "Reforming funding for special schools",  # over 90%: 90.7%
        "Rolling out inclusion bases",
    ]
    assert order[-2:] == [
        "Changes to the law on parental preference",
        "A reformed role for the SEND Tribunal",
    ]  # 81%, 80%


def test_subtitle(store, specs):
    """A filtered chart says which themes it shows, so an exported chart says it is a subset."""
    fig = chart(store, specs, "overview", themes=["tribunals"], subtitle="Themes shown: Tribunals & disputes")
    assert fig.layout.title.subtitle.text == "Themes shown: Tribunals &amp; disputes"


@pytest.mark.parametrize("key", KEYS)
def test_meta_and_config(store, specs, key):
    """The figure's meta and the Graph config name the file after the chart: a 2x PNG."""
    spec = specs[key]
    fig = chart(store, specs, key)
    assert fig.layout.meta == {"key": key, "filename": spec.filename}
    config = graph_config(spec)
    assert config["toImageButtonOptions"] == {"format": "png", "scale": 2, "filename": spec.filename}
    assert config["displaylogo"] is False


def test_figures_import_no_express_or_dash():
    """Importing the builders loads neither plotly.express nor Dash."""
    code = "import sys, dashboard.figures; print('plotly.express' in sys.modules, 'dash' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]
