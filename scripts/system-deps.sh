#!/bin/sh
# Installs the Debian packages the test suite drives for real (redis-server, varnishd,
# Chromium, nginx, wrk, openssl, the DejaVu and Noto CJK fonts PNG badges are drawn with) when
# they are missing and we may install them. `system-deps.sh fonts` installs only the fonts
# (what `make serve` needs).
# Without root or apt-get it only says what is missing: those tests then skip locally
# and fail in CI (CI=true), as the test harness decides.
set -eu

missing=""
need() {  # need BINARY-OR-PATH PACKAGE
    case "$1" in
        /*) [ -e "$1" ] || missing="$missing $2" ;;
        *) command -v "$1" >/dev/null 2>&1 || missing="$missing $2" ;;
    esac
}
if [ "${1:-}" != fonts ]; then
    need redis-server redis-server
    need varnishd varnish
    need chromium chromium
    need chromedriver chromium-driver
    need nginx nginx-light
    need wrk wrk
    need openssl openssl
fi
need /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core
need /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc fonts-noto-cjk

[ -n "$missing" ] || exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    # The packages start their own daemons; the tests start private ones on free ports.
    for service in redis-server varnish nginx; do
        if command -v systemctl >/dev/null 2>&1; then systemctl stop "$service" 2>/dev/null || true; fi
    done
else
    echo "system-deps: missing$missing (not root: tests that need them skip; PNG badges use the system's fonts)"
fi
