"""A response serialised while another thread imports PIL.Image failed with "partially initialized module
'PIL.Image'" (a 500 on a quotations callback, found by the load test during an export: where Pillow is
installed, kaleido imports it). plotly's JSON encoder, which Dash uses for every callback response, reads
PIL.Image from sys.modules without importing it, so the app imports it, whole, before it serves any request.
Pillow is not a dependency of the app; the test extras install it so that this is checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from pathlib import Path
from dashboard.app import SERIALISER_MODULES, create_app
before = [m for m in SERIALISER_MODULES if m in sys.modules]
create_app(Path(sys.argv[1]))
after = {m: hasattr(sys.modules.get(m), "Image") for m in SERIALISER_MODULES}
print(before, after)
"""


def test_the_app_imports_what_the_serialiser_reads_before_serving(data_dir):
    pytest.importorskip("PIL.Image", reason="Pillow is not installed (pip install -e '.[test]' installs it)")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(data_dir)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    before, after = proc.stdout.strip().rsplit("] ", 1)
    assert before == "[", f"imported before create_app, so this test proves nothing: {proc.stdout}"
    assert after == "{'PIL.Image': True}", proc.stdout
