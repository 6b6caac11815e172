# Varnish in front of pypins (VCL 4.1; tested with Varnish 7.1, Debian 12).
#
#   varnishd -a :80 -f /etc/varnish/pypins.vcl -s malloc,256m
#
# Edit the backend's .host/.port below to where `pypins serve` listens. pypins already
# says how long each badge may be kept (Cache-Control: s-maxage for shared caches,
# stale-while-revalidate / stale-if-error for the grace period) and tags every package
# badge with X-Pypins-Package: <PEP 503 name>; this file follows those headers and adds:
#
# * one cache key per badge, whatever the Host, cookies or tracking parameters;
# * grace: a stale badge is served at once while Varnish refreshes it in the background,
#   and for as long as the grace lasts when pypins is down, stopped or sick;
# * a purge of every badge of one package, from localhost only:
#
#       curl -X PURGE http://127.0.0.1/pypi-package/<name>
#
#   (any spelling of the name; it is normalised as PEP 503 does). `PURGE <badge URL>`
#   drops that one URL.
# * X-Cache: HIT | HIT-STALE | MISS | PASS on every answer, for observability.

vcl 4.1;

import std;

backend pypins {
    .host = "127.0.0.1";
    .port = "8000";
    # pypins answers from memory or asks PyPI (its own timeout is 10 s by default);
    # a connection that cannot be made at once means pypins is down.
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    # Sick after 3 failed probes out of the last 5 (about 15 s), healthy again after 3
    # good ones. A sick backend is not even asked: graced badges are served, misses
    # get a 503 at once instead of piling up connections to a dead process.
    .probe = {
        .request =
            "GET /healthz HTTP/1.1"
            "Host: localhost"
            "User-Agent: varnish-probe"
            "Connection: close";
        .timeout = 2s;
        .interval = 5s;
        .window = 5;
        .threshold = 3;
        # Start healthy: do not refuse traffic for the first probe interval.
        .initial = 3;
    }
}

# Who may purge. Keep this to the machine itself (or the admin network).
acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # PURGE /pypi-package/<name>: ban every cached badge of that package (every kind,
        # style, format and spelling of the URL), matched on the X-Pypins-Package tag
        # pypins sends. The name is checked first, so nothing else can be spliced into
        # the ban expression; it is normalised like PEP 503 (lower case, runs of "-_."
        # become "-"), the form pypins puts in the tag.
        if (req.url ~ "^/pypi-package/[A-Za-z0-9._-]+/?$") {
            set req.http.X-Pypins-Ban = std.tolower(regsuball(
                regsub(req.url, "^/pypi-package/([^/]+)/?$", "\1"), "[-_.]+", "-"));
            ban("obj.http.X-Pypins-Package == " + req.http.X-Pypins-Ban);
            return (synth(200, "Banned " + req.http.X-Pypins-Ban));
        }
        if (req.url ~ "^/pypi-package/") {
            return (synth(400, "Bad package name"));
        }
        # Any other URL: drop that one object (after the normalisation below).
    } else if (req.method != "GET" && req.method != "HEAD") {
        # pypins only answers GET and HEAD (405 otherwise): pass anything else untouched.
        return (pass);
    }

    # Badges are public and identical for everyone: nothing a browser sends may split
    # or bypass the cache (the built-in VCL passes requests with Cookie/Authorization).
    unset req.http.Cookie;
    unset req.http.Authorization;

    # One cache key per badge. pypins ignores query parameters it does not know, so
    # tracking parameters only multiply cache entries: drop utm_*, fbclid, gclid, then
    # sort what is left (?style=flat&label=x and ?label=x&style=flat are one badge).
    # Sorting is by whole "name=value", so a URL repeating a parameter is forwarded in
    # sorted order (pypins takes the first): one URL, one badge, as seen by everyone.
    if (req.url ~ "\?") {
        set req.url = regsuball(req.url, "(?i)(?<=[?&])(utm_[a-z0-9_]*|fbclid|gclid)=[^&]*&?", "");
        set req.url = std.querysort(req.url);
        set req.url = regsub(req.url, "[?&]+$", "");
    }

    if (req.method == "PURGE") {
        return (purge);
    }

    # The health check must reach pypins, never a cached answer (pypins sends no-store).
    if (req.url == "/healthz") {
        return (pass);
    }

    return (hash);
}

sub vcl_hash {
    # The URL alone: pypins answers the same on every Host name it is reached by, so
    # badges.example.org and www.badges.example.org share one copy.
    hash_data(req.url);
    return (lookup);
}

sub vcl_backend_response {
    # TTL: Varnish already takes it from s-maxage (before max-age), which pypins sets to
    # how long its own record stays fresh; nothing to do here.
    #
    # Grace: Varnish also takes beresp.grace from stale-while-revalidate (pypins' own
    # --grace). Responses without it (error badges) get 6 h, as pypip.in ran with. A
    # stale object within grace is delivered at once and refreshed in the background,
    # whether pypins is healthy, sick, stopped or slow: the built-in vcl_hit delivers it
    # and starts the background fetch (no req.grace trimming by health in vcl_recv,
    # because a pypins that was just stopped is still "healthy" until the probe fails).
    if (beresp.http.Cache-Control !~ "stale-while-revalidate") {
        set beresp.grace = 6h;
    }
    # Keep: after TTL + grace, keep the object another day (not served) so that the next
    # fetch is conditional (If-None-Match with pypins' strong ETag) and a 304 reuses it.
    set beresp.keep = 1d;

    # stale-if-error: a background refresh that fails must not replace the stale badge
    # with an error; abandon it and keep serving the graced copy.
    if (bereq.is_bgfetch && beresp.status >= 500) {
        return (abandon);
    }
    # Fall through to the built-in VCL (no-store / private / Set-Cookie -> hit-for-miss).
}

sub vcl_backend_error {
    # pypins unreachable (stopped, connection refused, timeout, sick) during a background
    # refresh: abandon the fetch, so the stale object stays and keeps being served.
    if (bereq.is_bgfetch) {
        return (abandon);
    }
}

sub vcl_deliver {
    # Observability: HIT (fresh), HIT-STALE (served from grace), MISS, PASS (not cached).
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } else if (obj.hits > 0) {
        if (obj.ttl <= 0s) {
            set resp.http.X-Cache = "HIT-STALE";
        } else {
            set resp.http.X-Cache = "HIT";
        }
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # The tag is for bans here; clients do not need it. Remove this line if a CDN in
    # front of this Varnish purges by it too.
    unset resp.http.X-Pypins-Package;
    unset resp.http.Via;
}
