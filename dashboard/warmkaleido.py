"""``WarmKaleido``: a ``kaleido.Kaleido`` (1.5) whose tabs stay loaded between charts. Imported by
``renderer.warm_kaleido`` on an export's first use, so that kaleido is imported only by an export. It uses
kaleido's tab internals (``_KaleidoTab._calc_fig``, ``reload``, ``_create_kaleido_tab``, ``_conform_tabs``):
kaleido is pinned in pyproject.toml. Why and what was measured: ``renderer``'s docstring and RESULTS.md's notes."""

from __future__ import annotations

import asyncio

import kaleido
from kaleido._profiler import RenderTaskProfile
from kaleido._utils import fig_tools

from dashboard import renderer  # its settings are read when used (tests change them)

log = renderer.log


class WarmKaleido(kaleido.Kaleido):
    def __init__(self, *args, reload_every: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.reload_every = max(1, renderer.RELOAD_EVERY if reload_every is None else reload_every)
        self.reloads = 0  # background page reloads done (for tests)
        self._drawn: dict[int, int] = {}  # charts drawn per tab (by id) since its last reload
        self._background: set[asyncio.Task] = set()
        self.opened = 0  # tabs opened or opening (at most n)
        self.extra_tab_queue = renderer.EXTRA_TAB_QUEUE
        self._reloading = 0
        self._waiting = 0  # charts waiting for a tab

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def populate_targets(self) -> None:
        """Only the browser's first tab is loaded before ``open()`` returns (a browser that cannot load the
        page fails its start); the others are opened when a batch finds no tab free (``render_one``)."""
        await super(kaleido.Kaleido, self).populate_targets()  # choreographer's: the browser's first tab
        if self.opened or not self.tabs:
            return  # open() calls again until the browser has shown its first tab
        first = list(self.tabs.values())
        self.opened = len(first)
        await self._conform_tabs(first)

    async def _extra_tab(self) -> None:
        try:
            await self._create_kaleido_tab()
        except Exception as exc:  # the browser is closing or failed: its first tab still renders
            log.info("export browser: a tab did not open (%s: %s)", type(exc).__name__, str(exc)[:200])

    async def render_one(self, fig: dict, opts: dict) -> bytes:
        """One chart in the next free tab, which goes back to the pool as soon as the image is read."""
        spec = fig_tools.coerce_for_js(fig, None, opts)
        self._waiting += 1
        if self._waiting >= self.extra_tab_queue and not self._reloading and self.opened < self._n:
            # Many charts waiting: one more tab, which joins the pool once its page is loaded, while the
            # busy ones keep drawing. An export of a few charts never pays for a second tab, nor holds it.
            self.opened += 1
            self._spawn(self._extra_tab())
        try:
            tab = await self.tabs_ready.get()
        finally:
            self._waiting -= 1
        drawn = False
        try:
            profile = RenderTaskProfile(spec, None, tab.tab.target_id)
            data = await tab._calc_fig(spec, topojson=None, render_prof=profile, stepper=False)
            drawn = True
            return data
        finally:
            count = self._drawn[id(tab)] = self._drawn.get(id(tab), 0) + 1
            if drawn:
                self.tabs_ready.put_nowait(tab)
                if count >= self.reload_every:  # a fresh page once nobody needs this tab for a moment
                    self._spawn(self._reload_when_idle(tab, count))
            else:  # a fresh page after a failure, in the background
                self._drawn[id(tab)] = 0
                self._reloading += 1
                self._spawn(self._reload(tab))

    async def _reload_when_idle(self, tab, count: int) -> None:
        """Reload ``tab`` if it has drawn nothing for ``RELOAD_IDLE`` seconds and no chart waits: then
        the 60 ms reload delays no export (a steady stream of exports leaves it to the recycling)."""
        await asyncio.sleep(renderer.RELOAD_IDLE)
        if self._drawn.get(id(tab)) != count or self._waiting:
            return  # drawn again since (a later return tries again) or wanted now
        free = [self.tabs_ready.get_nowait() for _ in range(self.tabs_ready.qsize())]
        for other in free:  # no await in between: no other task sees the pool meanwhile
            if other is not tab:
                self.tabs_ready.put_nowait(other)
        if tab not in free:
            return
        self._drawn[id(tab)] = 0
        self._reloading += 1
        await self._reload(tab)

    async def _reload(self, tab) -> None:
        try:
            await tab.reload()
        except Exception as exc:  # the browser is gone or going; the tab goes with it
            log.info("export browser: a tab could not be reloaded (%s)", type(exc).__name__)
            return
        finally:
            self._reloading -= 1
        self.reloads += 1
        self.tabs_ready.put_nowait(tab)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await super().close()
