"""`make bench` rewrites benchmarks/RESULTS.md but keeps the sections other tools wrote: the hand-written notes,
the load tests' sections and the caching proxy's (benchmarks.cachedload)."""

from __future__ import annotations

from benchmarks import bench, cachedload


def test_a_rewrite_keeps_notes_load_tests_and_the_caching_proxy(tmp_path):
    assert cachedload.SECTION.startswith(bench.CACHEDLOAD_HEADING)
    old = tmp_path / "RESULTS.md"
    old.write_text(
        "# Benchmark results\n\n| measure | ours |\n|---|---|\n| cold start | 1 s |\n\n## Details\n\n- old details\n\n"
        "## Notes\n\nwhy it is so\n\n## Load test\n\nmixed load\n\n"
        f"{cachedload.SECTION}\n\n| run | reached the app |\n|---|---:|\n| cache on | 60 |\n"
    )
    kept = bench.kept_sections(old)
    assert "why it is so" in kept and "mixed load" in kept and "| cache on | 60 |" in kept
    assert "old details" not in kept and "cold start" not in kept
