"""A static copy of the dashboard that any web host or CDN serves: ``python -m dashboard.site --out site``.

What it bakes, for every survey:

- its landing page, for all themes and for each single theme (``index.html``, ``theme/<id>/index.html``; a
  survey not the default under ``survey/<id>/``);
- every chart page (its Chart, Table and Sources tabs) and every embed, for all themes and each single theme;
- every file those pages link to: each chart's PNG in every size and part, SVG and CSV, the charts in view as
  PNG and SVG zips, the results in view as CSV, the codebook, the tables zip (Parquet, CSV, codebooks, the Data
  Package), the stylesheet and scripts;
- ``sitemap.xml``, of the landing pages and the chart pages.

Chart pages, embeds and downloads are fetched through the app's own test client, so the bake holds exactly what
the server answers. The landing page is a Dash page rendered by callbacks; here it is rendered to HTML
(``to_html``) from the same components (``landing.survey_page``, with the quotations and context the callbacks
give), and the few controls that need a callback become plain HTML (``firstview.plain_landing``, which also
writes the live server's first view of ``/``; ``static_landing``): the theme filter
becomes links to the single-theme pages, the export buttons links to the baked files, the table a disclosure.
A chart page's theme form becomes the same links. The briefing control is left out: a pack is made by the server.
The uncertainty-interval toggle is left out too (one page per theme, not per theme and toggle).

An address with a query cannot be a file: ``/chart/s?theme=x&tab=table`` is baked to
``chart/s/theme/x/table.html``, ``/chart/s.png?theme=x&size=slide`` to ``chart/s/theme/x/size/slide/s.png``
(``site_path``); every link inside is rewritten relative to the page, so the folder works on any host and under
any sub-path. The addresses a page gives to be copied (its canonical link, share link, citation, the embed
code's iframe) and the address drawn in each image are ``--base-url`` and the page's folder when a base is given,
else the folder from the site's root (``/chart/s/theme/x/``), and the chart page's script makes the embed code
absolute where the reader sees it.

``dashboard.linkcheck`` checks the result: every link, asset and sitemap entry leads to a file.
"""

from __future__ import annotations

import argparse
import base64
import html as html_lib
import posixpath
import re
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape as xml_escape

from dash import html
from dash.development.base_component import Component
from markupsafe import escape

from dashboard import callbacks, ids, pages, selection
from dashboard.data import Store, Survey
from dashboard.firstview import has_child, plain_landing, transform
from dashboard.rawhtml import to_html

# Addresses. -------------------------------------------------------------------------------------------------

# The query parameters of every address the site writes, in the order a baked path spells them.
PARAMS = ("survey", "theme", "intervals", "tab", "format", "size", "part")
IGNORED = ("m",)  # an asset's version: the file is the same
SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._,-]*$")  # a value a path segment may hold as it is


@dataclass(frozen=True)
class Address:
    """A server address of this site, split: its path, its query (in ``PARAMS`` order) and its fragment."""

    path: str
    query: tuple[tuple[str, str], ...]
    fragment: str = ""

    @property
    def url(self) -> str:
        """The address the server answers (no fragment)."""
        q = "&".join(f"{k}={quote(v, safe=',')}" for k, v in self.query)
        return self.path + (f"?{q}" if q else "")

    @property
    def is_file(self) -> bool:
        """A download or asset (its last segment has an extension), not a page."""
        return "." in self.path.rsplit("/", 1)[-1]


def parse_address(url: str) -> Address:
    """A rooted address ("/chart/s?theme=x#a") as an ``Address``; unknown parameters are refused (ValueError)."""
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query) if k not in IGNORED]
    unknown = [k for k, _ in pairs if k not in PARAMS]
    if unknown:
        raise ValueError(f"{url}: no baked file can stand for the parameter {unknown[0]!r}")
    pairs.sort(key=lambda kv: PARAMS.index(kv[0]))
    return Address(unquote(parts.path) or "/", tuple(pairs), parts.fragment)


def _segments(address: Address) -> str:
    out = ""
    for key, value in address.query:
        if not SEGMENT.match(value) or value in (".", ".."):
            raise ValueError(f"{address.url}: the value {value!r} cannot be a folder name")
        out += f"/{key}/{value}"
    return out


def site_path(address: Address) -> str:
    """The file, from the site's root, that a server address is baked to: a page is a folder's ``index.html``
    (its query as ``/<name>/<value>`` folders) or, for a chart page's tab, ``<tab>.html`` beside it (the page's
    script switches tabs in place and writes the tab's address: in the same folder, every relative link still
    holds); a file keeps its name, in the folders of its query."""
    path = address.path.strip("/")
    if address.is_file:
        folder, name = posixpath.split(path)
        if not address.query:
            return path
        stem = posixpath.join(folder, name.rsplit(".", 1)[0])
        return f"{stem}{_segments(address)}/{name}"
    tab = dict(address.query).get("tab")
    folder = Address(address.path, tuple(kv for kv in address.query if kv[0] != "tab"))
    return posixpath.join(f"{path}{_segments(folder)}".strip("/"), f"{tab}.html" if tab else "index.html")


def folder_of(file: str) -> str:
    """The address a reader is given for a baked file: a page's folder ("chart/s/", "" for the root)."""
    return file[: -len("index.html")] if file.endswith("index.html") else file


def relative(from_file: str, to_file: str) -> str:
    """The link from one baked file to another, relative (so the site works under any sub-path)."""
    return posixpath.relpath(to_file, posixpath.dirname(from_file) or ".")


# The landing page, made plain. ---------------------------------------------------------------------------------


def theme_links(
    legend: str, themes: Iterable[tuple[str, str]], chosen: str | None, href: Callable[[tuple[str, ...]], str]
) -> html.Nav:
    """The theme filter of a static page: a link to the page for all themes and one to each theme's own page, the
    one shown marked as the current page."""
    items = [("", "All themes"), *themes]
    links = [
        html.Li(
            html.A(
                label,
                href=href((t,) if t else ()),
                className="button" if t == (chosen or "") else "button secondary",
                **({"aria-current": "page"} if t == (chosen or "") else {}),
            )
        )
        for t, label in items
    ]
    return html.Nav(
        className="theme-links",
        **{"aria-label": legend},
        children=[
            html.P(html.Strong(legend)),
            html.P("One theme at a time in this copy of the dashboard.", className="hint"),
            html.Ul(links, style={"listStyle": "none", "padding": "0", "margin": "0"}),
        ],
    )


@dataclass(frozen=True)
class LandingFiles:
    """What a static landing page links to besides pages: its results CSV (name, bytes)."""

    csv_name: str
    csv: bytes


def static_landing(store: Store, views, survey: Survey, theme: str | None) -> tuple[list, LandingFiles]:
    """The landing page of ``survey`` for one theme (or all), as the Dash app renders it, its controls made plain
    (``firstview.plain_landing``: every quotation and context figure shown) and its theme filter links to each
    theme's page; and the results CSV its download button gives."""
    themes = (theme,) if theme else ()
    sent = callbacks.download_csv(store, views, 1, list(themes), survey.id)
    files = LandingFiles(sent["filename"], base64.b64decode(sent["content"]) if sent["base64"] else sent["content"])
    chosen = selection.Selection(survey.id, themes)
    page = plain_landing(store, views, survey, chosen, static=True, csv_href=f"/download/{files.csv_name}")

    def landing_href(chosen: tuple[str, ...]) -> str:
        return selection.href("/", selection.Selection(survey.id, chosen), store.default_survey)

    def change(node: Component):
        if isinstance(node, html.Fieldset) and has_child(node, ids.THEMES):
            labels = [(t, store.theme_labels[t]) for t in survey.theme_ids]
            return theme_links(survey.theme_legend, labels, theme, landing_href)
        if isinstance(node, html.Details) and getattr(node, "id", None) == ids.FILTER_PANEL:
            node.className = (node.className or "") + " static-filters"
        return node

    return transform(page, change), files


# A chart page, made plain. -------------------------------------------------------------------------------------

FORM = re.compile(r'<form method="get" action="[^"]*">.*?</form>', re.S)
BRIEFING = re.compile(r'<p><button type="button" class="button secondary briefing-add".*?</p>', re.S)


def static_chart_page(store: Store, text: str, address: Address) -> str:
    """A chart page's HTML with its theme form made links to each single theme's page (its tab kept), and
    without the briefing control."""
    slug = address.path.rsplit("/", 1)[-1]
    req = pages.parse_request(store, slug, {k: [v] for k, v in address.query})
    if not isinstance(req, pages.Request):
        raise ValueError(f"{address.url}: not a chart page")
    labels = [(t, store.theme_labels[t]) for t in req.survey.theme_ids]
    path = f"/chart/{quote(slug)}"

    def href(themes: tuple[str, ...]) -> str:
        return path + req.query(store, themes=themes, intervals=False)

    links = to_html(theme_links(req.survey.theme_legend, labels, req.themes[0] if req.themes else None, href))
    text, forms = FORM.subn(lambda m: str(links), text)
    text, buttons = BRIEFING.subn("", text)
    if forms != 1 or buttons != 1:
        raise ValueError(f"{address.url}: the chart page's theme form or briefing button is not where it was")
    return text


# The bake. --------------------------------------------------------------------------------------------------

LINK = re.compile(r'\b(href|src|value)="([^"]*)"')
EMBED_CODE = re.compile(r'(<textarea id="embed-code"[^>]*>)(.*?)(</textarea>)', re.S)
OPTIONAL = re.compile(r"^/(chart/[^/]+\.(png|svg)|export/charts\.zip)$")  # may answer 404: no figure in view
DROP_LINK = r'<a\b[^>]*\bhref="{}"[^>]*>.*?</a>'


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes


class Bake:
    """Fetch every page and file of the site through the app, then write them with their links rewritten."""

    def __init__(self, data_dir: Path | None, base_url: str = "", log: Callable[[str], None] = print):
        from dashboard.app import create_app
        from dashboard.data import DATA_DIR, load_store
        from dashboard.views import Views

        self.base_url = base_url.rstrip("/") + "/" if base_url else ""
        self.app = create_app(data_dir)
        if "DATA_ERROR" in self.app.server.config:
            raise SystemExit(f"no data to bake: {self.app.server.config['DATA_ERROR']}")
        self.app.server.config["PUBLIC_URL"] = self.public_url
        self.client = self.app.server.test_client()
        self.store = load_store(data_dir or DATA_DIR)
        self.views = Views(self.store)
        self.log = log
        self.answers: dict[str, Answer] = {}  # site path -> the answer
        self.addresses: dict[str, Address] = {}  # site path -> the server address it was fetched as
        self.aliases: dict[str, str] = {}  # a public address the pages were given -> the server address
        self.mentioned: list[str] = []  # server addresses given as public ones, to bake too

    def public_url(self, path: str) -> str:
        """The address a page gives for ``path`` (``pages.public_url``): the baked folder or file, on the base URL
        or from the site's root."""
        file = site_path(parse_address(path))
        public = (self.base_url or "/") + folder_of(file)
        self.aliases[public] = path
        self.mentioned.append(path)
        return public

    def server_address(self, link: str) -> str | None:
        """The server address a link in a page stands for, or None for another site's or an in-page link."""
        link = html_lib.unescape(link)
        bare, _, fragment = link.partition("#")
        if bare in self.aliases:
            return self.aliases[bare] + (f"#{fragment}" if fragment else "")
        if link.startswith("/") and not link.startswith("//"):
            return link
        return None

    # Fetching. --------------------------------------------------------------------------------------------

    def roots(self) -> list[str]:
        """Every landing page and embed, for all themes and each single theme (the rest is found by links)."""
        out = []
        for survey in self.store.surveys.values():
            for theme in (None, *survey.theme_ids):
                sel = selection.Selection(survey.id, (theme,) if theme else ())
                out.append(selection.href("/", sel, self.store.default_survey))
                for chart in survey.charts:
                    out.append(selection.href(f"/embed/{quote(chart.slug)}", sel, self.store.default_survey))
                    out.append(selection.href(f"/chart/{quote(chart.slug)}", sel, self.store.default_survey))
        return out

    def fetch(self, address: Address) -> Answer:
        if address.path == "/":
            return self.landing(address)
        response = self.client.get(address.url)
        return Answer(response.status_code, response.mimetype or "", response.get_data())

    def landing(self, address: Address) -> Answer:
        asked = selection.parse({k: [v] for k, v in address.query})
        survey = self.store.survey(asked.survey)
        themes, unknown = asked.themes_in(survey.theme_ids)
        if unknown or len(themes) > 1 or (asked.survey and asked.survey not in self.store.surveys):
            return Answer(404, "text/plain", b"not baked")
        tree, files = static_landing(self.store, self.views, survey, themes[0] if themes else None)
        csv = parse_address(f"/download/{files.csv_name}")
        self._keep(csv, Answer(200, "text/csv", files.csv))
        text = pages.TEMPLATES.get_template("landing.html").render(
            asset=lambda name: f"/assets/{name}",
            title=survey.site_title,
            description="Charts of surveys on the SEND reforms, with the sentence behind every number.",
            canonical=self.public_url(address.url),
            embed=False,
            content=to_html(tree),
        )
        return Answer(200, "text/html", (text + "\n").encode())

    def _keep(self, address: Address, answer: Answer) -> None:
        file = site_path(address)
        self.answers[file] = answer
        self.addresses[file] = address

    def crawl(self) -> None:
        queue = deque(self.roots())
        started, count = time.monotonic(), 0
        while queue or self.mentioned:
            if not queue:
                queue.extend(self.mentioned)
                self.mentioned = []
                continue
            address = parse_address(queue.popleft())
            file = site_path(address)
            if file in self.answers:
                continue
            answer = self.fetch(address)
            if answer.status == 200 and address.path.startswith("/chart/") and not address.is_file:
                text = static_chart_page(self.store, answer.body.decode(), address)
                answer.body = text.encode()
            self._keep(address, answer)
            count += 1
            if count % 200 == 0:
                self.log(f"  {count} addresses fetched ({time.monotonic() - started:.0f} s)")
            if answer.status != 200:
                continue
            if answer.content_type == "text/html":
                queue.extend(self.links(answer.body.decode()))
            elif answer.content_type == "text/css":
                queue.extend(u for u in css_urls(answer.body.decode()) if u.startswith("/"))

    def links(self, text: str) -> list[str]:
        found = [self.server_address(v) for _, v in LINK.findall(text)]
        for m in EMBED_CODE.finditer(text):
            found += [self.server_address(v) for _, v in LINK.findall(html_lib.unescape(m.group(2)))]
        return [f.partition("#")[0] for f in found if f]

    # Writing. ---------------------------------------------------------------------------------------------

    def rewrite(self, file: str, text: str) -> str:
        """A page's links to the baked files, relative to it (the base URL's absolute addresses kept); a link to
        a download the server has none of for this view (no figure in view) removed with its list item."""
        missing = []

        def link(m: re.Match) -> str:
            name, value = m.group(1), m.group(2)
            target = self.server_address(value)
            if target is None or (name == "value" and not value.startswith("/")):
                return m.group(0)
            if self.base_url and html_lib.unescape(value).startswith(self.base_url):
                return m.group(0)
            address = parse_address(target)
            baked = site_path(address)
            answer = self.answers.get(baked)
            if answer is None or answer.status != 200:
                missing.append(value)
                return m.group(0)
            new = relative(file, baked) + (f"#{address.fragment}" if address.fragment else "")
            return f'{name}="{escape(new)}"'

        def embed_code(m: re.Match) -> str:
            code = LINK.sub(link, html_lib.unescape(m.group(2)))
            return m.group(1) + str(escape(code)) + m.group(3)

        text = EMBED_CODE.sub(embed_code, text)
        text = LINK.sub(link, text)
        for value in missing:
            target = parse_address(self.server_address(value) or value)
            if not OPTIONAL.match(target.path):
                raise ValueError(f"{file}: links to {value}, which the server does not answer")
            text = re.sub(DROP_LINK.format(re.escape(value)), "", text, flags=re.S)
        return re.sub(r"<li>\s*</li>", "", text)

    def write(self, out: Path) -> dict[str, int]:
        """Write every answer of the crawl into ``out`` (emptied first), then the sitemap: {files, bytes}."""
        if out.exists():
            check_replaceable(out)
            shutil.rmtree(out)
        out.mkdir(parents=True)
        pages_in_sitemap = []
        for file, answer in sorted(self.answers.items()):
            if answer.status != 200:
                continue
            body = answer.body
            if answer.content_type == "text/html":
                body = self.rewrite(file, body.decode()).encode()
                address = self.addresses[file]
                if address.path == "/" or (address.path.startswith("/chart/") and not dict(address.query).get("tab")):
                    pages_in_sitemap.append(file)
            target = out / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        (out / "sitemap.xml").write_text(sitemap(pages_in_sitemap, self.base_url), encoding="utf-8")
        files = [p for p in out.rglob("*") if p.is_file()]
        return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def check_replaceable(out: Path) -> None:
    """Refuse (ValueError) to empty a folder that is not an earlier bake (it has a ``sitemap.xml``) or empty."""
    if out.is_dir() and any(out.iterdir()) and not (out / "sitemap.xml").is_file():
        raise ValueError(f"{out} holds files but no sitemap.xml: not a static site this would replace")


def sitemap(files: list[str], base_url: str) -> str:
    """The sitemap of the pages: each a folder's address on ``base_url`` (relative to the sitemap without one)."""
    urls = "".join(f"<url><loc>{xml_escape(base_url + folder_of(f) or './')}</loc></url>\n" for f in sorted(files))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def css_urls(text: str) -> list[str]:
    """The addresses a stylesheet's ``url(...)`` and ``@import`` name (data: URIs left out)."""
    found = re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", text)
    found += re.findall(r"@import\s+['\"]([^'\"]+)['\"]", text)
    return [u.strip() for u in found if not u.strip().startswith("data:")]


def bake(out: Path, data_dir: Path | None = None, base_url: str = "", log: Callable[[str], None] = print) -> dict:
    """Bake the site into ``out``: {files, bytes, seconds}."""
    started = time.monotonic()
    job = Bake(data_dir, base_url, log)
    job.crawl()
    totals = job.write(out)
    totals["seconds"] = round(time.monotonic() - started, 1)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.site", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("site"), help="the folder to write (emptied first)")
    parser.add_argument("--data", type=Path, default=None, help="the data folder (default: data/, or $SEND_DATA_DIR)")
    parser.add_argument(
        "--base-url",
        default="",
        help="the address the site will have (https://example.org/send/): written in the canonical links, "
        "citations, embed codes, images and the sitemap; without it they are from the site's root",
    )
    args = parser.parse_args(argv)
    if args.base_url and not re.match(r"^https?://[^/]+(/.*)?$", args.base_url):
        parser.error("--base-url must be an http(s) address")
    totals = bake(args.out, args.data, args.base_url)
    print(f"{args.out}: {totals['files']} files, {totals['bytes'] / 1e6:.1f} MB, in {totals['seconds']} s")
    from dashboard import linkcheck

    broken = linkcheck.check(args.out, args.base_url)
    for line in broken:
        print(f"broken: {line}", file=sys.stderr)
    print(f"link check: {len(broken)} broken links")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
