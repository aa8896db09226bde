"""Performance benchmark and load test of the dashboard.

* ``python -m benchmarks [--quick | --smoke] [--out benchmarks/RESULTS.md] [--no-write]`` (``make bench``):
  our dashboard against a bare Dash app (``benchmarks.baseline_app``), side by side; see ``benchmarks.bench``.
* ``python -m benchmarks.loadtest [--seconds 20] [--clients 8] [--url URL] [--write]`` (``make loadtest``):
  mixed valid, invalid and malformed traffic against the dashboard under gunicorn; see ``benchmarks.loadtest``.

Everything runs on 127.0.0.1 only, bounded in requests and time.
"""
