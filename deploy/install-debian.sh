#!/bin/sh
# Sets up pypins on a bare Debian 12 host, behind Varnish and nginx with TLS: the steps
# of "From a bare Debian host" in docs/operations.md, in one run, as root, from a checkout.
#
#   sh deploy/install-debian.sh badges.example.org admin@example.org
#
# The name must already point at this host, and ports 80 and 443 be open: Let's Encrypt
# checks it over port 80 (the e-mail address, optional, gets its expiry notices). It is
# safe to run again at any time: it upgrades pypins and restarts it, keeps an existing
# /etc/pypins/pypins.env as edited, rewrites the other files it installs from this
# checkout, restarts Varnish only when its command line changed (a restart empties its
# cache) and asks for a certificate only when there is none yet.
#
# Environment:
#   PACKAGE=pypins           what pip installs (default: this checkout)
#   TLS_CERT=... TLS_KEY=... your own certificate (full chain) and key, in PEM,
#                            instead of asking Let's Encrypt
#
#   sh deploy/install-debian.sh --print-nginx badges.example.org [CERT KEY]
#   sh deploy/install-debian.sh --print-varnish
#
# print, and change nothing, the nginx snippet of steps 7 and 8 (deploy/nginx/pypins.conf
# rendered for this host, with TLS when CERT and KEY are given) and the drop-in of step 6
# that runs Debian's varnish.service on 127.0.0.1:6081 with deploy/varnish/pypins.vcl.
set -eu

DEPLOY=$(cd "$(dirname "$0")" && pwd)
CHECKOUT=$(dirname "$DEPLOY")
VENV=/opt/pypins
ENV_FILE=/etc/pypins/pypins.env
UNIT=/etc/systemd/system/pypins.service
VCL=/etc/varnish/pypins.vcl
VARNISH_DROPIN=/etc/systemd/system/varnish.service.d/pypins.conf
NGINX_SNIPPET=/etc/nginx/conf.d/pypins.conf
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

die() {
    echo "install-debian: $*" >&2
    exit 1
}

step() {
    printf '\n== %s\n' "$*"
}

# check_domain NAME: refuse anything but a plain DNS name (it ends up in sed and nginx).
check_domain() {
    case "$1" in
        "" | -* | *[!A-Za-z0-9.-]* | *..*) die "not a host name: '$1'" ;;
        *.*) ;;
        *) die "not a fully qualified host name: '$1'" ;;
    esac
}

# check_path PATH: an absolute path without characters that sed or nginx would read.
check_path() {
    case "$1" in
        /*) ;;
        *) die "not an absolute path: '$1'" ;;
    esac
    case "$1" in
        *[!A-Za-z0-9._/@+-]*) die "unsupported characters in path: '$1'" ;;
    esac
}

# edit FILE BRE REPLACEMENT: apply s|BRE|REPLACEMENT| to the one line of FILE matching
# BRE, and fail if there is not exactly one: a respelled line in deploy/nginx/pypins.conf
# must stop the installation, not install a snippet without TLS.
edit() {
    count=$(grep -c -- "$2" "$1" || true)
    [ "$count" = 1 ] || die "expected one line matching '$2' in deploy/nginx/pypins.conf, found $count"
    sed -i "s|$2|$3|" "$1"
}

# render_nginx DOMAIN [CERT KEY]: deploy/nginx/pypins.conf for this host, on stdout.
render_nginx() {
    check_domain "$1"
    if [ $# -ge 3 ]; then
        check_path "$2"
        check_path "$3"
    fi
    snippet=$WORK/nginx.conf
    cp "$DEPLOY/nginx/pypins.conf" "$snippet"
    # nginx proxies to Varnish, which does the caching: with nginx's cache as well, a
    # Varnish purge would leave nginx's copies behind.
    edit "$snippet" 'server 127\.0\.0\.1:8000;.*$' \
        'server 127.0.0.1:6081;  # Varnish (deploy/varnish/pypins.vcl), in front of pypins'
    edit "$snippet" '^\([[:space:]]*\)proxy_cache pypins;' '\1proxy_cache off;'
    edit "$snippet" '^\([[:space:]]*\)server_name _;' "\\1server_name $1;"
    # Only GET and HEAD reach Varnish: anything else from nginx arrives from 127.0.0.1,
    # which the VCL trusts with PURGE.
    if ! grep -q 'limit_except' "$snippet"; then
        edit "$snippet" '^\([[:space:]]*\)location / {$' \
            '&\n\1    # Only GET and HEAD go on to Varnish, which trusts 127.0.0.1 with PURGE.\n\1    limit_except GET HEAD { deny all; }'
    fi
    if [ $# -ge 3 ]; then
        edit "$snippet" '^\([[:space:]]*\)# \(listen 443 ssl.*\)$' '\1\2'
        edit "$snippet" '^\([[:space:]]*\)# \(listen \[::\]:443 ssl.*\)$' '\1\2'
        edit "$snippet" '^\([[:space:]]*\)# ssl_certificate .*$' "\\1ssl_certificate     $2;"
        edit "$snippet" '^\([[:space:]]*\)# ssl_certificate_key .*$' "\\1ssl_certificate_key $3;"
        edit "$snippet" '^\([[:space:]]*\)# \(ssl_protocols .*\)$' '\1\2'
    fi
    cat "$snippet"
}

# print_varnish: the drop-in for Debian's varnish.service, on stdout.
print_varnish() {
    cat <<EOF
# From deploy/install-debian.sh: Varnish on the loopback only, with pypins' VCL.
[Service]
ExecStart=
ExecStart=/usr/sbin/varnishd -j unix,user=vcache -F -a 127.0.0.1:6081 -T localhost:6082 -f $VCL -S /etc/varnish/secret -s malloc,256m
EOF
}

# install_changed SOURCE TARGET MODE: install TARGET from SOURCE; true when it changed.
install_changed() {
    if [ -f "$2" ] && cmp -s "$1" "$2"; then
        return 1
    fi
    install -D -m "$3" "$1" "$2"
}

# wait_for URL: until it answers 2xx, for at most 30 s.
wait_for() {
    tries=0
    until curl -fsS -o /dev/null "$1"; do
        tries=$((tries + 1))
        [ "$tries" -lt 30 ] || die "$1 did not answer in 30 s"
        sleep 1
    done
}

install_nginx() {
    render_nginx "$@" >"$WORK/nginx.rendered"
    install_changed "$WORK/nginx.rendered" "$NGINX_SNIPPET" 644 || true
    nginx -t
    systemctl reload-or-restart nginx
}

main() {
    [ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 DOMAIN [E-MAIL] (or --print-nginx, --print-varnish)"
    domain=$1
    email=${2:-}
    check_domain "$domain"
    case "$email" in
        *[!A-Za-z0-9._%+@-]* | -*) die "not an e-mail address: '$email'" ;;
    esac
    [ "$(id -u)" = 0 ] || die "run as root"
    command -v apt-get >/dev/null && command -v systemctl >/dev/null ||
        die "needs Debian with systemd (see deploy/supervisor/pypins.conf otherwise)"
    if [ -n "${TLS_CERT:-}${TLS_KEY:-}" ]; then
        [ -f "${TLS_CERT:-}" ] && [ -f "${TLS_KEY:-}" ] || die "TLS_CERT and TLS_KEY must both be files"
        cert=$TLS_CERT
        key=$TLS_KEY
    else
        cert=/etc/letsencrypt/live/$domain/fullchain.pem
        key=/etc/letsencrypt/live/$domain/privkey.pem
    fi

    step "1/9 Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq ca-certificates curl python3-venv redis-server varnish nginx \
        certbot python3-certbot-nginx >/dev/null

    step "2/9 Redis on 127.0.0.1:6379"
    systemctl enable --now redis-server
    redis-cli ping

    step "3/9 pypins in $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet --upgrade "${PACKAGE:-$CHECKOUT}"

    step "4/9 settings in $ENV_FILE"
    if [ -e "$ENV_FILE" ]; then
        echo "kept as it is"
    else
        sed "s|^#PYPINS_PUBLIC_URL=.*|PYPINS_PUBLIC_URL=https://$domain|" \
            "$DEPLOY/systemd/pypins.env" >"$WORK/pypins.env"
        install -D -m 600 "$WORK/pypins.env" "$ENV_FILE"
    fi

    step "5/9 the pypins service on 127.0.0.1:8000"
    install -D -m 644 "$DEPLOY/systemd/pypins.service" "$UNIT"
    systemctl daemon-reload
    systemctl enable pypins
    systemctl restart pypins
    wait_for http://127.0.0.1:8000/healthz

    step "6/9 Varnish on 127.0.0.1:6081"
    dropin=$WORK/varnish.conf
    print_varnish >"$dropin"
    vcl_changed=no
    if install_changed "$DEPLOY/varnish/pypins.vcl" "$VCL" 644; then vcl_changed=yes; fi
    if install_changed "$dropin" "$VARNISH_DROPIN" 644; then
        systemctl daemon-reload
        systemctl restart varnish
    elif [ "$vcl_changed" = yes ]; then
        systemctl reload varnish
    fi
    systemctl enable varnish
    wait_for http://127.0.0.1:6081/healthz

    step "7/9 nginx for $domain on port 80"
    if [ -f "$cert" ]; then
        echo "skipped: there is a certificate"
    else
        # Port 80 first, so that certbot can answer Let's Encrypt's challenge through
        # nginx; renewals (certbot's timer) do the same, then reload nginx.
        install_nginx "$domain"
    fi

    step "8/9 TLS for $domain"
    if [ ! -f "$cert" ]; then
        if [ -n "$email" ]; then
            set -- --email "$email"
        else
            set -- --register-unsafely-without-email
        fi
        certbot certonly --nginx --non-interactive --agree-tos "$@" -d "$domain" \
            --deploy-hook "systemctl reload nginx"
    fi
    install_nginx "$domain" "$cert" "$key"

    step "9/9 check"
    systemctl --no-pager --lines=0 status pypins varnish nginx
    curl -fsS -o /dev/null -D - "https://$domain/pypi/v/requests.svg"
    echo "pypins is serving https://$domain/"
}

case "${1:-}" in
    --print-nginx)
        shift
        [ $# = 1 ] || [ $# = 3 ] || die "usage: $0 --print-nginx DOMAIN [CERT KEY]"
        render_nginx "$@"
        ;;
    --print-varnish)
        [ $# = 1 ] || die "usage: $0 --print-varnish"
        print_varnish
        ;;
    *) main "$@" ;;
esac
