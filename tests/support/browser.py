"""How the tests start Debian's Chromium through Playwright (nothing downloaded)."""

from __future__ import annotations

#: Flags for a headless Chromium on a closed network: no sandbox (root in CI), no GPU,
#: and none of the background connections that this machine's network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
