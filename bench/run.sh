#!/usr/bin/env bash
# Switchboard benchmark: POST -> store -> target -> response, beside a bare forwarder ceiling.
#
#   bash bench/run.sh     # everything: ~2.5 minutes on an idle machine; writes bench/RESULTS.md
#
# Settings (environment):
#   BENCH_DURATION=15       seconds measured per run
#   BENCH_WARMUP=3          seconds of warm-up per run (same connections, discarded)
#   BENCH_CONNECTIONS="16 64"
#   BENCH_THREADS=2         wrk threads
#   BENCH_PIN=auto          auto: pin when nproc >= 2 (server on CPU 0, wrk + nginx on CPU 1);
#                           0: no pinning; 1: pin (see bench/README.md)
#   BENCH_QUIET_WAIT=30     before each row, wait up to this many seconds for the machine to be
#                           idle (<= 10% busy); a row measured on a busy machine is flagged
#   BENCH_RETRIES=2         measure a row again (up to this many times) when other work ran
#                           during it; the quietest attempt is kept
#   BENCH_SERVERS="forwarder switchboard-sqlite switchboard-postgres"
#   BENCH_PARSER=stdlib     the forwarder's form parser: stdlib (urllib.parse.parse_qsl) or fast
#                           (fast_query_parsers, if importable; not a project dependency)
#   BENCH_SWITCHBOARD=.venv/bin/switchboard   the CLI to benchmark
#   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432   server to create the throw-away database on
#   BENCH_RESULTS=bench/RESULTS.md
#   BENCH_KEEP=0            1: keep the temp directory (server logs, nginx log, data) for a look
# Everything listens on 127.0.0.1 only. Processes started here are stopped on exit.
set -euo pipefail
TIMEFORMAT='%U %S' # `time` prints wrk's user and system CPU seconds

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/bench
VENV=$ROOT/.venv
SAMPLE=${BENCH_BODY:-$ROOT/tests/samples/platform-form-post.txt}
DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-"16 64"}
THREADS=${BENCH_THREADS:-2}
PIN=${BENCH_PIN:-auto}
QUIET_WAIT=${BENCH_QUIET_WAIT:-30}
RETRIES=${BENCH_RETRIES:-2}
SWITCHBOARD=${BENCH_SWITCHBOARD:-$VENV/bin/switchboard}
SERVERS=${BENCH_SERVERS:-"forwarder switchboard-sqlite switchboard-postgres"}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
RESULTS=${BENCH_RESULTS:-$BENCH/RESULTS.md}
KEEP=${BENCH_KEEP:-0}
EXPECTED='{"crm_id":"003abc"}'

WORK=$(mktemp -d /tmp/switchboard-bench.XXXXXX)
ROWS=$WORK/rows.tsv      # server, database, connections, rps, p50_us, p99_us, errors, cpu_us, db_us
RAW=$WORK/raw.txt        # wrk's BENCH lines, kept for RESULTS.md
NOTES=$WORK/notes.txt    # skipped parts and why
PG_DB=""
PIDS=()
: >"$ROWS"
: >"$RAW"
: >"$NOTES"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
note() { log "$*"; printf -- '- %s\n' "$*" >>"$NOTES"; }
die() { log "error: $*"; exit 1; }

# --- processes --------------------------------------------------------------------------------

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_process "$pid"; done
    if [[ -n $PG_DB ]]; then
        psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each server runs in its own session (setsid), so stopping its group also stops any child.
start_process() { # LOG CPUSET CMD...; sets STARTED_PID
    local logfile=$1 cpus=$2
    shift 2
    if [[ -n $cpus ]]; then
        setsid taskset -c "$cpus" "$@" >"$logfile" 2>&1 &
    else
        setsid "$@" >"$logfile" 2>&1 &
    fi
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
}

stop_process() { # PID
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# CPU seconds used so far: "MACHINE S1 S2 ...". MACHINE is the busy time of all CPUs (/proc/stat:
# user, nice, system, irq, softirq; softirq holds much of the loopback traffic). Each argument is
# a set of processes, "g:PGID" (a process group: processes started here run in their own
# session, so a group is one server and its children) or "p:PID,PID,..." (e.g. PostgreSQL's
# backends), and S its user + system time (all threads).
cpu_snapshot() { # SET...
    "$VENV/bin/python" -I -c '
import glob, os, sys
tick = os.sysconf("SC_CLK_TCK")
sets = [(kind, set(ids.split(","))) for kind, ids in (arg.split(":", 1) for arg in sys.argv[1:])]
used = [0] * len(sets)
for path in glob.glob("/proc/[0-9]*/stat"):
    try:
        fields = open(path).read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    pid = path.split("/")[2]
    for i, (kind, ids) in enumerate(sets):
        if (fields[2] if kind == "g" else pid) in ids:  # fields[2]: pgrp
            used[i] += int(fields[11]) + int(fields[12])  # utime, stime
cpu = [int(n) for n in open("/proc/stat").readline().split()[1:8]]
machine = sum(cpu) - cpu[3] - cpu[4]  # all but idle and iowait
print(" ".join(str(t / tick) for t in [machine, *used]))' "$@"
}

# The PostgreSQL processes working for the server under test: the backends connected to its
# database and the WAL writer, checkpointer and background writer. Empty without PostgreSQL.
database_pids() {
    [[ -n $PG_DB ]] || return 0
    psql -qAt "$PG_URL/postgres" -c "SELECT string_agg(pid::text, ',') FROM pg_stat_activity
        WHERE datname = '$PG_DB' OR backend_type IN ('walwriter', 'checkpointer', 'background writer')"
}

# How busy the machine is before a row (percent of all CPUs over one second), to flag noise.
machine_busy_percent() {
    local a b
    read -ra a < <(head -n 1 /proc/stat)
    sleep 1
    read -ra b < <(head -n 1 /proc/stat)
    local total=0 idle i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    idle=$((b[4] - a[4] + b[5] - a[5]))
    echo $((total > 0 ? 100 * (total - idle) / total : 0))
}

# Wait up to QUIET_WAIT seconds for other work to stop; prints the last busy percentage.
wait_until_quiet() {
    local busy deadline=$((SECONDS + QUIET_WAIT))
    while busy=$(machine_busy_percent) && ((busy > 10 && SECONDS < deadline)); do
        log "machine ${busy}% busy with other work; waiting (up to ${QUIET_WAIT}s)"
        sleep 2
    done
    echo "$busy"
}

free_port() {
    "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() { # PORT PID LOG
    local port=$1 pid=$2 logfile=$3 i
    for i in $(seq 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        kill -0 "$pid" 2>/dev/null || { cat "$logfile" >&2; die "process $pid exited before listening on $port"; }
        sleep 0.1
    done
    cat "$logfile" >&2
    die "nothing listens on 127.0.0.1:$port after 30 s"
}

# --- set-up -----------------------------------------------------------------------------------

ensure_tools() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
    command -v setsid >/dev/null || missing+=(util-linux)
    if ((${#missing[@]})); then
        [[ $(id -u) == 0 ]] || die "install ${missing[*]} (apt-get install -y ${missing[*]}) or run as root"
        log "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if [[ ! -x $VENV/bin/python ]]; then
        log "creating $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q -e .
    fi
    "$VENV/bin/python" -c 'import uvloop, httptools, aiohttp, litestar, msgspec' \
        || die "$VENV lacks uvloop/httptools/aiohttp/litestar: $VENV/bin/pip install -e ."
}

choose_cpus() {
    SERVER_CPUS="" LOAD_CPUS=""
    case $PIN in
        0) ;;
        1 | auto)
            if (($(nproc) >= 2)); then
                SERVER_CPUS=0 LOAD_CPUS=1
            elif [[ $PIN == 1 ]]; then
                die "BENCH_PIN=1 needs at least 2 CPUs"
            fi
            ;;
        *) die "BENCH_PIN must be auto, 0 or 1" ;;
    esac
}

start_target() {
    TARGET_PORT=$(free_port)
    local prefix=$WORK/nginx
    mkdir -p "$prefix/tmp"
    sed "s/__PORT__/$TARGET_PORT/" "$BENCH/nginx.conf" >"$prefix/nginx.conf"
    start_process "$prefix/stderr.log" "$LOAD_CPUS" \
        nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log"
    TARGET_PGID=$STARTED_PID
    wait_for_port "$TARGET_PORT" "$STARTED_PID" "$prefix/stderr.log"
    TARGET_URL=http://127.0.0.1:$TARGET_PORT/contacts
    log "target: nginx on $TARGET_URL"
}

# --- measuring --------------------------------------------------------------------------------

check_answer() { # URL: one real request must get the job's answer before we measure
    local answer
    answer=$(curl -sS --max-time 10 -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary "@$SAMPLE" "$1") || die "POST $1 failed"
    answer=${answer//[[:space:]]/}
    [[ $answer == "$EXPECTED" ]] || die "POST $1 answered '$answer', expected '$EXPECTED'"
}

run_wrk() { # CONNECTIONS SECONDS URL -> prints the BENCH line
    local nonce
    nonce=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
    local cmd=(wrk -t"$THREADS" -c"$1" -d"$2"s --timeout 10s -s "$BENCH/post.lua" "$3")
    [[ -n $LOAD_CPUS ]] && cmd=(taskset -c "$LOAD_CPUS" "${cmd[@]}")
    BENCH_BODY=$SAMPLE BENCH_NONCE=$nonce "${cmd[@]}" | grep '^BENCH '
}

field() { # LINE NAME
    sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}

# One warm-up and one measured wrk run. Sets LINE (wrk's BENCH line), CPU_US and DB_US (server
# and PostgreSQL CPU µs per request), SERVER_S (server CPU seconds) and OTHER_PCT (CPU% of one
# core used during the measured seconds by anything but the server, its database, nginx and wrk:
# other people's work).
measure_once() { # CONNECTIONS URL PGID
    local c=$1 url=$2 pgid=$3 before after wrk_cpu db
    wait_until_quiet >/dev/null
    run_wrk "$c" "$WARMUP" "$url" >/dev/null
    db=$(database_pids)
    before=$(cpu_snapshot "g:$pgid" "g:$TARGET_PGID" "p:$db")
    { time run_wrk "$c" "$DURATION" "$url" >"$WORK/line"; } 2>"$WORK/wrk-cpu"
    after=$(cpu_snapshot "g:$pgid" "g:$TARGET_PGID" "p:$db")
    LINE=$(<"$WORK/line")
    wrk_cpu=$(<"$WORK/wrk-cpu")
    read -r CPU_US DB_US OTHER_PCT SERVER_S < <(awk -v b="$before" -v a="$after" -v w="$wrk_cpu" \
        -v n="$(field "$LINE" requests)" -v d="$(field "$LINE" duration_us)" 'BEGIN {
            split(b, x, " "); split(a, y, " "); split(w, z, " ")
            server = y[2] - x[2]; nginx = y[3] - x[3]; db = y[4] - x[4]
            others = (y[1] - x[1]) - server - nginx - db - z[1] - z[2]
            printf "%.0f %.0f %.0f %.2f\n", (n > 0 ? server * 1e6 / n : 0),
                (n > 0 ? db * 1e6 / n : 0), (d > 0 ? 100 * others / (d / 1e6) : 0), server }')
}

measure() { # SERVER DATABASE URL PGID LOG
    local server=$1 database=$2 url=$3 pgid=$4 logfile=$5 c attempt errors best best_other
    check_answer "$url"
    for c in $CONNECTIONS; do
        best="" best_other=""
        for ((attempt = 0; attempt <= RETRIES; attempt++)); do
            log "$server/$database: c=$c, ${WARMUP}s warm-up + ${DURATION}s"
            measure_once "$c" "$url" "$pgid"
            log "  $(field "$LINE" rps) req/s, p50 $(field "$LINE" p50_us) us," \
                "p99 $(field "$LINE" p99_us) us, server CPU $CPU_US us/request," \
                "database CPU $DB_US us/request, other load ${OTHER_PCT}% of a CPU"
            if [[ -z $best_other ]] || ((OTHER_PCT < best_other)); then
                best="$LINE server_cpu_s=$SERVER_S other_cpu_pct=$OTHER_PCT cpu_us=$CPU_US db_us=$DB_US"
                best_other=$OTHER_PCT
            fi
            if (($(field "$LINE" requests) == 0)); then
                note "$server/$database c=$c: no answer at all in ${DURATION} s (server stalled?);" \
                    "last lines of its log are printed above"
                tail -n 30 "$logfile" >&2
                best_other=0
                break
            fi
            if ((OTHER_PCT <= 10)); then break; fi
            if ((attempt < RETRIES)); then log "  other work ran during the row: measuring again"; fi
        done
        if ((best_other > 10)); then
            note "other processes used ${best_other}% of a CPU during $server/$database c=$c: expect noise"
        fi
        errors=$(($(field "$best" connect) + $(field "$best" read) + $(field "$best" write) \
            + $(field "$best" status) + $(field "$best" timeout)))
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$database" "$c" \
            "$(field "$best" rps)" "$(field "$best" p50_us)" "$(field "$best" p99_us)" "$errors" \
            "$(field "$best" cpu_us)" "$(field "$best" db_us)" >>"$ROWS"
        printf '%s %s c=%s %s\n' "$server" "$database" "$c" "$best" >>"$RAW"
    done
}

measure_forwarder() {
    local port pid
    port=$(free_port)
    start_process "$WORK/forwarder.log" "$SERVER_CPUS" env BENCH_TARGET_URL="$TARGET_URL" \
        "$VENV/bin/uvicorn" --app-dir "$BENCH" forwarder:app --host 127.0.0.1 --port "$port" \
        --workers 1 --loop uvloop --http httptools --no-access-log --log-level warning
    pid=$STARTED_PID
    wait_for_port "$port" "$pid" "$WORK/forwarder.log"
    measure forwarder none "http://127.0.0.1:$port/hooks/forwarder" "$pid" "$WORK/forwarder.log"
    stop_process "$pid"
}

# --- Switchboard ------------------------------------------------------------------------------

switchboard_ready() { # sets SWITCHBOARD_HELP, or explains why not
    local help
    if [[ ! -x $SWITCHBOARD ]]; then
        SWITCHBOARD_WHY="$SWITCHBOARD does not exist (pip install -e .)"
        return 1
    fi
    if ! help=$(timeout 60 "$SWITCHBOARD" --help 2>&1); then
        SWITCHBOARD_WHY="'switchboard --help' failed: $(tail -n 1 <<<"$help")"
        return 1
    fi
    if ! grep -qw serve <<<"$help" || ! grep -qw import <<<"$help"; then
        SWITCHBOARD_WHY="'switchboard --help' lists no 'serve' and 'import' commands yet"
        return 1
    fi
    SWITCHBOARD_HELP=$help
}

create_pg_database() { # sets PG_DB, or returns 1 with SWITCHBOARD_WHY
    command -v psql >/dev/null || { SWITCHBOARD_WHY="psql is not installed"; return 1; }
    if ! psql -q "$PG_URL/postgres" -c 'SELECT 1' >/dev/null 2>&1; then
        SWITCHBOARD_WHY="PostgreSQL at $PG_URL does not answer"
        return 1
    fi
    PG_DB=switchboard_bench_$$_$RANDOM
    psql -q "$PG_URL/postgres" -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
}

drop_pg_database() {
    [[ -n $PG_DB ]] || return 0
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null
    PG_DB=""
}

measure_switchboard() { # DATABASE (sqlite|postgres)
    local database=$1 data=$WORK/data-$1 port pid out token
    mkdir -p "$data"
    export SWITCHBOARD_DATA_DIR=$data
    unset DATABASE_URL
    if [[ $database == postgres ]]; then
        create_pg_database || { note "Switchboard on PostgreSQL skipped: $SWITCHBOARD_WHY"; return 0; }
        export DATABASE_URL=$PG_URL/$PG_DB
    fi
    sed "s|TARGET_PORT|$TARGET_PORT|" "$BENCH/job.yaml" >"$data/job.yaml"
    if grep -qw migrate <<<"$SWITCHBOARD_HELP"; then
        timeout 120 "$SWITCHBOARD" migrate >"$data/migrate.log" 2>&1 \
            || { cat "$data/migrate.log" >&2; die "switchboard migrate failed ($database)"; }
    fi
    out=$(timeout 120 "$SWITCHBOARD" import "$data/job.yaml" 2>&1) \
        || { echo "$out" >&2; die "switchboard import failed ($database)"; }
    token=$(grep -o 'http://[^ ]*/hooks/[A-Za-z0-9_.~-]*' <<<"$out" | head -n 1 | sed 's|.*/hooks/||')
    [[ -n $token ]] || { echo "$out" >&2; die "switchboard import printed no listener URL"; }
    port=$(free_port)
    start_process "$data/serve.log" "$SERVER_CPUS" \
        "$SWITCHBOARD" serve --host 127.0.0.1 --port "$port"
    pid=$STARTED_PID
    wait_for_port "$port" "$pid" "$data/serve.log"
    measure switchboard "$database" "http://127.0.0.1:$port/hooks/$token" "$pid" "$data/serve.log"
    stop_process "$pid"
    drop_pg_database
    unset DATABASE_URL
}

# --- report -----------------------------------------------------------------------------------

versions() {
    "$VENV/bin/python" - <<'EOF'
import platform, sqlite3
from importlib.metadata import version
names = ["litestar", "uvicorn", "uvloop", "httptools", "aiohttp", "msgspec", "tortoise-orm",
         "aiosqlite", "asyncpg"]
found = []
for name in names:
    try:
        found.append(f"{name} {version(name)}")
    except Exception:
        pass
print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, " + ", ".join(found))
EOF
}

commit() { # the measured code's commit, and whether the tree differs from it (read-only git)
    local head
    head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
    if git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null; then
        echo "$head"
    else
        echo "$head with uncommitted changes"
    fi
}

pg_version() {
    psql -qAt "$PG_URL/postgres" -c 'SHOW server_version' 2>/dev/null | cut -d' ' -f1 || true
}

results_table() {
    printf '| server | database | connections | req/s | p50 (ms) | p99 (ms) | errors | CPU µs per request: server | PostgreSQL | ratio to forwarder |\n'
    printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    awk -F'\t' '
        { rows[NR] = $0; if ($1 == "forwarder") ceiling[$3] = $4 }
        END {
            for (i = 1; i <= NR; i++) {
                split(rows[i], f, "\t")
                ratio = (f[3] in ceiling && ceiling[f[3]] > 0) ? sprintf("%.2f×", f[4] / ceiling[f[3]]) : "–"
                db = f[2] == "postgres" ? sprintf("%d", f[9]) : "–"
                printf "| %s | %s | %d | %.0f | %.2f | %.2f | %d | %d | %s | %s |\n",
                    f[1], f[2], f[3], f[4], f[5] / 1000, f[6] / 1000, f[7], f[8], db, ratio
            }
        }' "$ROWS"
}

write_results() {
    local pinning="none: the kernel schedules server, nginx and wrk on all CPUs"
    [[ -n $SERVER_CPUS ]] && pinning="server on CPU $SERVER_CPUS; wrk and nginx on CPU $LOAD_CPUS (taskset)"
    local parser="urllib.parse.parse_qsl (standard library)"
    [[ ${BENCH_PARSER:-stdlib} == fast ]] && parser="fast_query_parsers (BENCH_PARSER=fast)"
    {
        printf '# Benchmark results\n\n'
        # shellcheck disable=SC2016 # backquotes are Markdown here
        printf 'Written by `bash bench/run.sh` on %s. What is measured and how to read it: [README.md](README.md).\n\n' \
            "$(date -u '+%Y-%m-%d %H:%M UTC')"
        # shellcheck disable=SC2016
        printf 'Job: POST the 1.7 KB form sample (fresh `transactionid` per request) to the listener, which posts `{email, firstname, lastname}` as JSON to a loopback nginx and answers `{"crm_id": "003abc"}`. '
        printf 'wrk: %s threads, %s s warm-up then %s s measured per row. Errors: socket errors + non-2xx answers.\n\n' \
            "$THREADS" "$WARMUP" "$DURATION"
        results_table
        if [[ -s $NOTES ]]; then printf '\n'; cat "$NOTES"; fi
        printf '\n## Machine\n\n'
        printf -- '- CPUs: %s × %s\n' "$(nproc)" "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
        # shellcheck disable=SC1091
        printf -- '- Kernel: %s; %s\n' "$(uname -r)" "$(. /etc/os-release && echo "$PRETTY_NAME")"
        printf -- '- Pinning: %s\n' "$pinning"
        printf -- '- Forwarder form parser: %s\n' "$parser"
        printf -- '- Load average when the report was written: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
        printf -- '- %s\n' "$(versions)"
        printf -- '- %s, %s, PostgreSQL %s\n' "$(nginx -v 2>&1 | sed 's/.*version: //')" \
            "$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)" "$(pg_version)"
        printf -- '- Switchboard commit: %s\n' "$(commit)"
        printf '\n## Reproduce\n\n```sh\nbash bench/run.sh                      # ~%s s per row plus start-up\n' \
            "$((WARMUP + DURATION))"
        printf 'BENCH_SERVERS=forwarder BENCH_DURATION=5 bash bench/run.sh   # the ceiling only, quickly\n'
        printf 'BENCH_PIN=0 bash bench/run.sh          # without pinning (see README.md)\n```\n'
        printf '\n<details><summary>wrk output (one line per row)</summary>\n\n```\n'
        cat "$RAW"
        printf '```\n\n</details>\n'
    } >"$RESULTS"
    log "wrote $RESULTS"
}

# --- main -------------------------------------------------------------------------------------

main() {
    ensure_tools
    choose_cpus
    [[ -r $SAMPLE ]] || die "cannot read the sample body $SAMPLE"
    start_target
    local server
    for server in $SERVERS; do
        case $server in
            forwarder) measure_forwarder ;;
            switchboard-sqlite | switchboard-postgres)
                if switchboard_ready; then
                    measure_switchboard "${server#switchboard-}"
                else
                    note "Switchboard on ${server#switchboard-}: pending — $SWITCHBOARD_WHY."
                fi
                ;;
            *) die "unknown server '$server' in BENCH_SERVERS" ;;
        esac
    done
    write_results
    cat "$RESULTS"
}

main "$@"
