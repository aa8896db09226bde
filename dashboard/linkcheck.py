"""A link checker for a static copy of the site (``dashboard.site``): ``python -m dashboard.linkcheck site/``.

Every ``href``, ``src`` and ``srcset`` of every HTML file (the embed code's too: it is pasted elsewhere), every
``url(...)`` and ``@import`` of every stylesheet, and every ``<loc>`` of ``sitemap.xml`` must lead to a file of
the folder, and a link's ``#fragment`` to an element with that id. A link is broken when it is rooted ("/x":
it would leave a site served under a sub-path), carries a query (a static host ignores it: the bake forgot to
rewrite it), or leads nowhere. Another site's address is not followed; one on ``base_url`` is looked up in
the folder.
"""

from __future__ import annotations

import argparse
import html
import posixpath
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"href", "src"}
SKIPPED_SCHEMES = ("mailto:", "tel:", "data:", "javascript:", "blob:")
EMBED_CODE = re.compile(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', re.S)


class _Page(HTMLParser):
    """The links and the ids of one HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name in LINK_ATTRIBUTES:
                self.links.append(value)
            elif name == "srcset":
                self.links += [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    for code in EMBED_CODE.findall(text):
        inner = _Page()
        inner.feed(html.unescape(code))
        page.links += inner.links
    return page


def css_links(text: str) -> list[str]:
    found = re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", text)
    found += re.findall(r"@import\s+['\"]([^'\"]+)['\"]", text)
    return [u.strip() for u in found]


def sitemap_links(text: str) -> list[str]:
    return [html.unescape(u.strip()) for u in re.findall(r"<loc>(.*?)</loc>", text, re.S)]


class Site:
    """A baked folder: its files, and the ids of its HTML pages (read once each)."""

    def __init__(self, root: Path, base_url: str = ""):
        self.root = root
        self.base_url = base_url.rstrip("/") + "/" if base_url else ""
        self.files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
        self._pages: dict[str, _Page] = {}

    def page(self, file: str) -> _Page:
        if file not in self._pages:
            self._pages[file] = _parse((self.root / file).read_text(encoding="utf-8"))
        return self._pages[file]

    def target(self, file: str, link: str) -> tuple[str | None, str]:
        """(the file of the folder ``link`` in ``file`` leads to, or None if it is not checked; why it is broken,
        or "")."""
        if link.startswith("#"):
            return file, ""
        if self.base_url and link.startswith(self.base_url):
            path = link[len(self.base_url) :]
        elif link.startswith(SKIPPED_SCHEMES) or re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I) or link.startswith("//"):
            return None, ""  # another site: not followed
        elif link.startswith("/"):
            return None, "rooted: it leaves a site served under a sub-path"
        else:
            path = posixpath.join(posixpath.dirname(file), link)
        parts = urlsplit(path)
        if parts.query:
            return None, "has a query, which a static host ignores"
        resolved = posixpath.normpath(unquote(parts.path)) if parts.path else posixpath.dirname(file)
        if resolved.startswith(".."):
            return None, "leads out of the folder"
        if resolved in (".", "") or unquote(parts.path).endswith("/") or resolved not in self.files:
            index = posixpath.join("" if resolved == "." else resolved, "index.html")
            if index in self.files:
                return index, ""
        if resolved in self.files:
            return resolved, ""
        return None, "no such file"

    def check_link(self, file: str, link: str) -> str | None:
        target, why = self.target(file, link)
        if why:
            return f"{file}: {link} ({why})"
        fragment = urlsplit(link).fragment
        if target and fragment and target.endswith(".html") and fragment not in self.page(target).ids:
            return f"{file}: {link} (no element with id {fragment!r})"
        return None


def check(root: Path, base_url: str = "") -> list[str]:
    """Every broken link of the folder, as "file: link (why)"; [] when every one leads to a file."""
    site = Site(Path(root), base_url)
    broken = []
    for file in sorted(site.files):
        if file.endswith(".html"):
            links = site.page(file).links
        elif file.endswith(".css"):
            links = [u for u in css_links((site.root / file).read_text(encoding="utf-8")) if not u.startswith("data:")]
        elif file == "sitemap.xml":
            links = sitemap_links((site.root / file).read_text(encoding="utf-8"))
        else:
            continue
        for link in links:
            problem = site.check_link(file, link)
            if problem:
                broken.append(problem)
    if "sitemap.xml" not in site.files:
        broken.append("sitemap.xml: missing")
    return broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.linkcheck", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--base-url", default="", help="the address the site was baked for (dashboard.site)")
    args = parser.parse_args(argv)
    broken = check(args.folder, args.base_url)
    for line in broken:
        print(line)
    print(f"{len(broken)} broken links")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
