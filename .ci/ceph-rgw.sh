#!/usr/bin/env bash
# Ceph's S3 gateway (RGW) on one machine, for the tests that must prove that
# conditional PUTs (If-Match / If-None-Match: *) are atomic under contention.
# S3Proxy, which the build starts by itself, is correct one request at a time
# but not under races; RGW is.
#
#   .ci/ceph-rgw.sh start [PORT]   start a throw-away cluster, S3 on 127.0.0.1:PORT (default 17480)
#   .ci/ceph-rgw.sh stop           stop the daemons this script started
#   .ci/ceph-rgw.sh status         say whether they run
#
# The cluster is one monitor, one OSD that keeps its data in memory (memstore),
# and the gateway; everything listens on 127.0.0.1 only (ports 3300, 6789,
# 6800-6807 and PORT), cephx is off, and every start begins empty. The S3 user
# is access key "id", secret "secret", which the tests expect
# (src/test/java/dev/gitfn/support/S3Servers.java).
#
# Needs Debian's ceph packages (ceph-mon, ceph-osd, radosgw, ceph-common); when
# they are missing and the script runs as root, it installs them with apt-get.
# State (config, pid files, logs) lives in $GITFN_RGW_DIR, default /tmp/gitfn-rgw.
# The OSD holds $GITFN_RGW_MEMSTORE_BYTES in memory, default 2 GiB (enough for CI;
# the full-size benchmarks need more: a full OSD blocks every write).
set -euo pipefail

state=${GITFN_RGW_DIR:-/tmp/gitfn-rgw}
memstore_bytes=${GITFN_RGW_MEMSTORE_BYTES:-2147483648}
conf=$state/ceph.conf
access_key=id
secret_key=secret
export CEPH_CONF=$conf

say() { echo "ceph-rgw: $*" >&2; }
die() { say "$*"; exit 1; }

# The pids of daemons started from $state that are still alive.
running_pids() {
    local f pid
    for f in "$state"/run/*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f" 2>/dev/null) || continue
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
    done
    return 0
}

stop_daemons() {
    local pids pid i
    pids=$(running_pids)
    [ -n "$pids" ] || { rm -f "$state"/run/*.pid; return 0; }
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    for i in $(seq 1 100); do
        [ -n "$(running_pids)" ] || break
        sleep 0.1
    done
    for pid in $(running_pids); do kill -9 "$pid" 2>/dev/null || true; done
    rm -f "$state"/run/*.pid
}

ensure_packages() {
    local missing=0 cmd
    for cmd in ceph-mon ceph-osd radosgw radosgw-admin ceph; do
        command -v "$cmd" >/dev/null || missing=1
    done
    [ "$missing" = 0 ] && return 0
    [ "$(id -u)" = 0 ] || die "ceph packages missing; install ceph-mon ceph-osd radosgw ceph-common (or run as root)"
    say "installing Debian's ceph packages"
    local pkgs=(ceph-mon ceph-osd radosgw ceph-common)
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >"$state/apt.log" 2>&1; then
        apt-get update -qq >>"$state/apt.log" 2>&1
        apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >>"$state/apt.log" 2>&1 \
            || { tail -20 "$state/apt.log" >&2; die "apt-get install failed"; }
    fi
}

# True once an HTTP server answers on 127.0.0.1:$1 (bash's /dev/tcp: no curl needed).
http_answers() {
    local line
    exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || return 1
    printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 5 line <&3 || line=
    exec 3<&- 3>&-
    [[ $line == HTTP/* ]]
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Run "$@" until it succeeds, at most $1 tenths of a second; false if it never does.
retry() {
    local tenths=$1 i
    shift
    for i in $(seq 1 "$tenths"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

write_config() {
    local port=$1
    cat >"$conf" <<EOF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon host = 127.0.0.1
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
keyring = /dev/null
run dir = $state/run
pid file = $state/run/\$name.pid
log file = $state/log/\$name.log
crash dir = $state/crash
# one OSD: place every copy on it, one copy per object
osd crush chooseleaf type = 0
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail crit = 0

[mon.a]
mon data = $state/mon

[osd.0]
osd data = $state/osd
osd objectstore = memstore
memstore device bytes = $memstore_bytes

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $state/rgw
ms mon client mode = crc
EOF
}

show_logs() {
    local f
    for f in "$state"/log/*.log; do
        [ -f "$f" ] || continue
        say "--- last lines of $f"
        tail -15 "$f" >&2
    done
}

start() {
    local port=${1:-17480}
    [[ $port =~ ^[0-9]+$ ]] || die "not a port: $port"
    mkdir -p "$state"
    [ -z "$(running_pids)" ] || die "already running from $state; run '$0 stop' first"
    port_taken "$port" && die "port $port is already in use"
    ensure_packages

    local began=$SECONDS
    rm -rf "$state"/{mon,osd,rgw,run,log,crash}
    mkdir -p "$state"/{mon,osd,rgw,run,log,crash}
    write_config "$port"

    # Monitor: a new monitor store, then the daemon (it forks and writes its pid file).
    ceph-mon --id a --mkfs --keyring /dev/null >"$state/log/mkfs.log" 2>&1 \
        || { cat "$state/log/mkfs.log" >&2; die "ceph-mon --mkfs failed"; }
    touch "$state/mon/keyring"
    ceph-mon --id a
    retry 300 ceph --connect-timeout 5 mon stat || { show_logs; die "monitor did not answer"; }

    # One OSD with id 0, on the root of the CRUSH map.
    local osd_uuid
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    [ "$(ceph osd new "$osd_uuid" 2>/dev/null)" = 0 ] || { show_logs; die "ceph osd new did not give osd 0"; }
    ceph osd crush add osd.0 1 root=default >/dev/null 2>&1
    ceph-osd --id 0 --mkfs --osd-uuid "$osd_uuid" >>"$state/log/mkfs.log" 2>&1 \
        || { cat "$state/log/mkfs.log" >&2; die "ceph-osd --mkfs failed"; }
    ceph-osd --id 0 2>>"$state/log/mkfs.log"
    osd_up() { ceph osd stat | grep -q ' 1 up'; }
    retry 600 osd_up || { show_logs; die "osd.0 did not come up"; }

    # The gateway creates its pools, then listens.
    radosgw -n client.rgw.a
    retry 900 http_answers "$port" || { show_logs; die "RGW did not answer on port $port"; }
    radosgw-admin user create --uid=gitfn-test --display-name="gitfn tests" \
        --access-key="$access_key" --secret-key="$secret_key" >/dev/null \
        || { show_logs; die "radosgw-admin user create failed"; }

    say "RGW up after $((SECONDS - began)) s: http://127.0.0.1:$port (access key '$access_key', secret '$secret_key')"
}

case "${1:-}" in
start) start "${2:-17480}" ;;
stop) stop_daemons ;;
status)
    if [ -n "$(running_pids)" ]; then echo "running: $(running_pids | tr '\n' ' ')"; else echo "stopped"; exit 3; fi
    ;;
*)
    echo "usage: $0 start [PORT] | stop | status" >&2
    exit 2
    ;;
esac
