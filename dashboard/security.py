"""Response headers that keep the page safe on the public internet.

The Content-Security-Policy allows scripts only from this origin plus the exact inline scripts Dash
writes into the page (their hashes come from ``app.csp_hashes()``), so no injected script can run.
Plotly sets inline styles on SVG elements, so styles keep 'unsafe-inline'; that allows no script.
``FRAME_ANCESTORS`` (environment) lists the sites allowed to embed the dashboard; by default none.
"""

from __future__ import annotations

import os

from dash import Dash


def content_security_policy(app: Dash) -> str:
    """The CSP header value for this app's page."""
    hashes = " ".join(app.csp_hashes())  # already quoted: 'sha256-...'
    frame_ancestors = os.environ.get("FRAME_ANCESTORS", "").strip() or "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {hashes}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def install_security(app: Dash) -> None:
    """Add the security headers to every response of ``app``'s Flask server."""
    server = app.server
    state: dict[str, str] = {}

    @server.after_request
    def _headers(response):
        if "csp" not in state:  # the inline scripts are known only once the app is fully set up
            state["csp"] = content_security_policy(app)
        response.headers["Content-Security-Policy"] = state["csp"]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["X-Frame-Options"] = "DENY" if "'none'" in state["csp"] else "SAMEORIGIN"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        return response
