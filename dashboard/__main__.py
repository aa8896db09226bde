"""`python -m dashboard`: serve the dashboard on HOST:PORT (default 127.0.0.1:8050), debug off."""

from __future__ import annotations

import os

from dashboard.app import create_app


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8050"))
    app = create_app()
    print(f"SEND Reform Survey Dashboard on http://{host}:{port}/")
    app.run(host=host, port=port, debug=False)


if __name__ == "__main__":
    main()
