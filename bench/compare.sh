#!/usr/bin/env bash
# Training-throughput comparison: hvae4j against the PyTorch reference (bench/reference/vae_torch.py) and, for the
# one-layer model, DL4J's VariationalAutoencoder (bench/dl4j). See bench/README.md.
#
# For every configuration (model x objective x batch) the peers run ALTERNATELY, one process per timed run, for
# --repeats rounds (the order of the peers rotates from round to round), so that slow drifts of the machine hit
# all peers alike. Each run warms up, then counts whole training steps (binarize the batch, forward, backward,
# Adam) for --seconds of wall time and prints one JSON line; those lines go to raw.jsonl, with the round and the
# 1-minute load average at the start of the run added. The table gives each peer's median [min-max] examples/s
# and the median [min-max] of the per-round ratios hvae4j / peer.
#
#   bench/compare.sh                                # CPU, all 12 configurations, 3 rounds of 10 s
#   bench/compare.sh --repeats 5 --seconds 20 --configs 'g1-*'
#   bench/compare.sh --device cuda [--torch-compile] --python /path/to/python-with-cuda-torch
#   bench/compare.sh --python-new ~/.cache/hvae4j/torch-venv/bin/python --torch-compile   # 1.13, 2.x, compile
#
# Run it on an otherwise idle machine: OpenMP thread pools (PyTorch, ND4J) degrade badly when cores are shared.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/compare.sh [options]
  --repeats N          rounds per configuration (default 3)
  --seconds S          timed wall time of one run (default 10)
  --warmup S           warm-up wall time of one run, after 3 untimed steps (default 2)
  --models LIST        default g1,g2,b2
  --objectives LIST    default elbo,iwae5
  --batches LIST       default 100,1000
  --configs GLOBS      keep only configurations whose name (MODEL-OBJECTIVE-BATCH, e.g. g1-elbo-100)
                       matches one of these comma-separated shell patterns (default '*')
  --device cpu|cuda    default cpu (DL4J runs on the CPU only and is skipped with cuda)
  --torch-compile      also run PyTorch with torch.compile (a peer of its own beside eager; needs PyTorch >= 2;
                       meant for --device cuda)
  --hvae4j-graph       also run hvae4j with its training step captured as a CUDA graph (--graph; one worker)
  --hvae4j-threads L   hvae4j training workers (threads splitting each batch; 1 or 2), comma-separated
                       (default 1,2); each uses one OpenBLAS thread
  --torch-threads L    vae_torch.py --threads values, comma-separated (default 2)
  --dl4j-threads L     OMP_NUM_THREADS values for DL4J, comma-separated (default 1,2)
  --dl4j-batches L     batch sizes at which DL4J runs g1/elbo (default 100)
  --no-dl4j            skip DL4J
  --baseline DIR       also run an earlier hvae4j build as the peer "hvae4j-before": DIR holds its jar
                       (hvae4j-*.jar) and lib/ (e.g. a copy of target/hvae4j-*.jar and target/lib made before a
                       change); the table adds its rates and hvae4j/before, alternated like every peer
  --python PATH        Python with torch (default /usr/bin/python3, Debian's python3-torch): the peer "PyTorch"
  --python-new PATH    a second Python with PyTorch >= 2 (the venv bench/reference/setup-venv-peer.sh makes): the
                       peer "PyTorch 2", eager, beside --python's; --torch-compile then runs torch.compile with it
  --out DIR            results directory (default runs/compare-YYYYmmdd-HHMMSS)
  --no-build           use the existing builds (default: mvn package both Java projects first)
A thread list with several values runs each value as its own variant, every round; the table shows each
peer's best variant (by median) and names its threads; table.txt lists every variant.
EOF
}

REPEATS=3
SECONDS_RUN=10
WARMUP=2
MODELS=g1,g2,b2
OBJECTIVES=elbo,iwae5
BATCHES=100,1000
CONFIGS='*'
DEVICE=cpu
TORCH_COMPILE=0
HVAE4J_GRAPH=0
HVAE4J_THREADS=1,2
TORCH_THREADS=2
DL4J_THREADS=1,2
DL4J_BATCHES=100
DL4J=1
PYTHON=/usr/bin/python3
PYTHON_NEW=
OUT=
BUILD=1
BASELINE=

need() { [ "$#" -ge 2 ] || { echo "compare.sh: $1 needs a value" >&2; exit 2; }; }
while [ "$#" -gt 0 ]; do
    case "$1" in
        --repeats) need "$@"; REPEATS=$2; shift 2 ;;
        --seconds) need "$@"; SECONDS_RUN=$2; shift 2 ;;
        --warmup) need "$@"; WARMUP=$2; shift 2 ;;
        --models) need "$@"; MODELS=$2; shift 2 ;;
        --objectives) need "$@"; OBJECTIVES=$2; shift 2 ;;
        --batches) need "$@"; BATCHES=$2; shift 2 ;;
        --configs) need "$@"; CONFIGS=$2; shift 2 ;;
        --device) need "$@"; DEVICE=$2; shift 2 ;;
        --torch-compile) TORCH_COMPILE=1; shift ;;
        --hvae4j-graph) HVAE4J_GRAPH=1; shift ;;
        --hvae4j-threads) need "$@"; HVAE4J_THREADS=$2; shift 2 ;;
        --torch-threads) need "$@"; TORCH_THREADS=$2; shift 2 ;;
        --dl4j-threads) need "$@"; DL4J_THREADS=$2; shift 2 ;;
        --dl4j-batches) need "$@"; DL4J_BATCHES=$2; shift 2 ;;
        --no-dl4j) DL4J=0; shift ;;
        --baseline) need "$@"; BASELINE=$2; shift 2 ;;
        --python) need "$@"; PYTHON=$2; shift 2 ;;
        --python-new) need "$@"; PYTHON_NEW=$2; shift 2 ;;
        --out) need "$@"; OUT=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "compare.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$DEVICE" in cpu|cuda) ;; *) echo "compare.sh: --device must be cpu or cuda" >&2; exit 2 ;; esac
[[ "$REPEATS" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --repeats must be a positive integer" >&2; exit 2; }
if [ "$DEVICE" = cuda ]; then
    DL4J=0   # nd4j-native is the CPU backend
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JAR=target/hvae4j-0.1.0-SNAPSHOT.jar
DL4J_JAR=bench/dl4j/target/hvae4j-dl4j-bench.jar
OUT=${OUT:-runs/compare-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/logs"
RAW=$OUT/raw.jsonl
: > "$RAW"

# ------------------------------------------------------------------------------------------------ build
if [ "$BUILD" = 1 ]; then
    echo "building hvae4j (mvn -q package -DskipTests) ..."
    mvn -q package -DskipTests >"$OUT/logs/build-hvae4j.log" 2>&1 \
        || { echo "compare.sh: hvae4j build failed, see $OUT/logs/build-hvae4j.log" >&2; exit 1; }
    mvn -q dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=runtime \
        >>"$OUT/logs/build-hvae4j.log" 2>&1 \
        || { echo "compare.sh: classpath resolution failed, see $OUT/logs/build-hvae4j.log" >&2; exit 1; }
    if [ "$DL4J" = 1 ]; then
        echo "building the DL4J peer (mvn -q -f bench/dl4j/pom.xml package) ..."
        mvn -q -f bench/dl4j/pom.xml package >"$OUT/logs/build-dl4j.log" 2>&1 \
            || { echo "compare.sh: DL4J peer build failed, see $OUT/logs/build-dl4j.log" >&2; exit 1; }
    fi
fi
[ -f "$JAR" ] && [ -f target/bench-classpath.txt ] \
    || { echo "compare.sh: $JAR or target/bench-classpath.txt missing; run without --no-build" >&2; exit 1; }
if [ "$DL4J" = 1 ] && [ ! -f "$DL4J_JAR" ]; then
    echo "compare.sh: $DL4J_JAR missing; run without --no-build" >&2; exit 1
fi
CP="$JAR:$(cat target/bench-classpath.txt)"
BASE_CP=
if [ -n "$BASELINE" ]; then
    BASE_JAR=$(ls "$BASELINE"/hvae4j-*.jar 2>/dev/null | head -n 1)
    [ -n "$BASE_JAR" ] && [ -d "$BASELINE/lib" ] \
        || { echo "compare.sh: --baseline $BASELINE needs hvae4j-*.jar and lib/ inside" >&2; exit 2; }
    BASE_CP="$BASE_JAR:$(ls "$BASELINE"/lib/*.jar | tr '\n' ':')"
fi

# ---------------------------------------------------------------------------------------- machine info
load1() { cut -d' ' -f1 /proc/loadavg; }
TORCH_VERSION=$("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo "not importable")
if [ -n "$PYTHON_NEW" ]; then
    TORCH_NEW_VERSION=$("$PYTHON_NEW" -c 'import torch; print(torch.__version__)' 2>/dev/null) \
        || { echo "compare.sh: --python-new $PYTHON_NEW cannot import torch (bench/reference/setup-venv-peer.sh)" >&2; exit 2; }
fi
{
    echo "date:            $(date -Is)"
    echo "host:            $(hostname)"
    echo "cpu:             $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
    echo "cores:           $(nproc) online ($(lscpu 2>/dev/null | sed -n 's/^Thread(s) per core:[[:space:]]*//p') thread(s) per core)"
    echo "memory:          $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "kernel:          $(uname -sr)"
    echo "governor:        $(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null || echo n/a)"
    echo "load at start:   $(cat /proc/loadavg)"
    echo "java:            $(java -version 2>&1 | tr '\n' ' ')"
    echo "hvae4j:          $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (modified)')"
    [ -n "$BASELINE" ] && echo "hvae4j-before:   $BASE_JAR ($(cat "$BASELINE/COMMIT" 2>/dev/null || echo 'commit unknown'))"
    echo "python/torch:    $PYTHON, torch $TORCH_VERSION"
    [ -n "$PYTHON_NEW" ] && echo "python/torch 2:  $PYTHON_NEW, torch $TORCH_NEW_VERSION"
    if [ "$DEVICE" = cpu ]; then
        MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
        echo "torch BLAS:      libblas.so.3 -> $(readlink -f "/usr/lib/$MA/libblas.so.3" 2>/dev/null || echo '?')"
    fi
    if [ "$DL4J" = 1 ]; then
        echo "dl4j:            $(sed -n 's:.*<dl4j.version>\(.*\)</dl4j.version>.*:\1:p' bench/dl4j/pom.xml) (nd4j-native, CPU)"
    fi
    if [ "$DEVICE" = cuda ]; then
        echo "gpu:             $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi not found')"
    fi
    echo "threads:         hvae4j --workers $HVAE4J_THREADS (threads splitting each batch, one OpenBLAS thread each);"
    echo "                 PyTorch --threads $TORCH_THREADS (sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, torch.set_num_threads)"
    [ "$DL4J" = 1 ] && echo "                 DL4J OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=$DL4J_THREADS (best reported)"
    echo "protocol:        device $DEVICE, $REPEATS rounds, ${WARMUP} s warm-up + ${SECONDS_RUN} s timed per run$([ "$TORCH_COMPILE" = 1 ] && echo ', PyTorch eager and torch.compile')$([ "$HVAE4J_GRAPH" = 1 ] && echo ', hvae4j also with --graph')"
} | tee "$OUT/machine.txt"

# ----------------------------------------------------------------------------------------- the runs
IFS=, read -r -a MODEL_LIST <<<"$MODELS"
IFS=, read -r -a OBJ_LIST <<<"$OBJECTIVES"
IFS=, read -r -a BATCH_LIST <<<"$BATCHES"
IFS=, read -r -a GLOB_LIST <<<"$CONFIGS"
IFS=, read -r -a HT_LIST <<<"$HVAE4J_THREADS"
IFS=, read -r -a TT_LIST <<<"$TORCH_THREADS"
IFS=, read -r -a DT_LIST <<<"$DL4J_THREADS"
IFS=, read -r -a DB_LIST <<<"$DL4J_BATCHES"

selected() {
    local g
    for g in "${GLOB_LIST[@]}"; do
        # shellcheck disable=SC2053
        [[ $1 == $g ]] && return 0
    done
    return 1
}
contains() {
    local x=$1 y
    shift
    for y in "$@"; do [ "$x" = "$y" ] && return 0; done
    return 1
}

# run_one LABEL ROUND CMD...: runs one timed run, appends its JSON line (plus round, variant, load) to raw.jsonl.
run_one() {
    local label=$1 round=$2 variant=$3
    shift 3
    local log="$OUT/logs/$label-$variant-r$round.log" l0 line
    l0=$(load1)
    if "$@" >"$log" 2>&1; then
        line=$(grep '^{' "$log" | tail -n 1 || true)
    else
        line=
    fi
    if [ -z "$line" ]; then
        echo "    $variant: FAILED (see $log)"
        printf '{"config":"%s","variant":"%s","round":%d,"error":"run failed, see %s"}\n' \
            "$label" "$variant" "$round" "$log" >>"$RAW"
        return 0
    fi
    line="${line%\}},\"config\":\"$label\",\"variant\":\"$variant\",\"round\":$round,\"load1_start\":$l0,\"load1_end\":$(load1)}"
    # The earlier build prints itself as "hvae4j": name it the peer it is here.
    [[ $variant == hvae4j-before-* ]] && line=$(sed 's/"peer": *"hvae4j"/"peer":"hvae4j-before"/' <<<"$line")
    [[ $variant == pytorch2* ]] && line=$(sed 's/"peer": *"pytorch"/"peer":"pytorch2"/' <<<"$line")
    echo "$line" >>"$RAW"
    echo "    $variant: $(sed -n 's/.*"examples_per_s": *\([0-9.]*\).*/\1/p' <<<"$line") ex/s (load $l0)"
}

JAVA=(java --enable-native-access=ALL-UNNAMED)

CONFIG_NAMES=()
for m in "${MODEL_LIST[@]}"; do
    for o in "${OBJ_LIST[@]}"; do
        for b in "${BATCH_LIST[@]}"; do
            name="$m-$o-$b"
            selected "$name" && CONFIG_NAMES+=("$name")
        done
    done
done
[ "${#CONFIG_NAMES[@]}" -gt 0 ] || { echo "compare.sh: no configuration selected" >&2; exit 2; }

# MODEL-OBJECTIVE-BATCH into m, o, b; a model's name may hold dashes (conv-state), the objective's and batch's not.
split_config() {
    b=${1##*-}
    local rest=${1%-*}
    o=${rest##*-}
    m=${rest%-*}
}

runs=0
for name in "${CONFIG_NAMES[@]}"; do
    split_config "$name"
    runs=$((runs + ${#HT_LIST[@]} * (1 + (${#BASELINE} > 0)) + ${#TT_LIST[@]} * (1 + TORCH_COMPILE) + HVAE4J_GRAPH))
    [ -n "$PYTHON_NEW" ] && runs=$((runs + ${#TT_LIST[@]}))
    if [ "$DL4J" = 1 ] && [ "$m" = g1 ] && [ "$o" = elbo ] && contains "$b" "${DB_LIST[@]}"; then
        runs=$((runs + ${#DT_LIST[@]}))
    fi
done
echo "configurations: ${CONFIG_NAMES[*]}"
echo "$((runs * REPEATS)) runs, roughly $(( (runs * REPEATS * (${SECONDS_RUN%.*} + ${WARMUP%.*} + 4) + 59) / 60 )) min"
echo

for name in "${CONFIG_NAMES[@]}"; do
    split_config "$name"
    echo "== $name"
    for ((r = 1; r <= REPEATS; r++)); do
        echo "  round $r"
        # The variants of this round, then rotated by the round number so no peer always goes first.
        variants=()
        for t in "${HT_LIST[@]}"; do variants+=("hvae4j:$t"); done
        if [ -n "$BASELINE" ]; then
            for t in "${HT_LIST[@]}"; do variants+=("hvae4j-before:$t"); done
        fi
        [ "$HVAE4J_GRAPH" = 1 ] && variants+=("hvae4j-graph:1")
        for t in "${TT_LIST[@]}"; do variants+=("pytorch:$t"); done
        if [ -n "$PYTHON_NEW" ]; then
            for t in "${TT_LIST[@]}"; do variants+=("pytorch2:$t"); done
        fi
        if [ "$TORCH_COMPILE" = 1 ]; then
            # torch.compile runs with the newer PyTorch where there is one.
            for t in "${TT_LIST[@]}"; do variants+=("$([ -n "$PYTHON_NEW" ] && echo pytorch2 || echo pytorch)-compile:$t"); done
        fi
        if [ "$DL4J" = 1 ] && [ "$m" = g1 ] && [ "$o" = elbo ] && contains "$b" "${DB_LIST[@]}"; then
            for t in "${DT_LIST[@]}"; do variants+=("dl4j:$t"); done
        fi
        n=${#variants[@]}
        for ((i = 0; i < n; i++)); do
            v=${variants[$(((i + r - 1) % n))]}
            peer=${v%%:*}
            t=${v#*:}
            case "$peer" in
                hvae4j)
                    run_one "$name" "$r" "hvae4j-t$t" "${JAVA[@]}" -Dhvae4j.blas.threads=1 -cp "$CP" \
                        org.hvae4j.experiments.TrainBench --model "$m" --objective "$o" --batch "$b" \
                        --seconds "$SECONDS_RUN" --warmup "$WARMUP" --device "$DEVICE" --workers "$t" ;;
                hvae4j-before)
                    run_one "$name" "$r" "hvae4j-before-t$t" "${JAVA[@]}" -Dhvae4j.blas.threads=1 -cp "$BASE_CP" \
                        org.hvae4j.experiments.TrainBench --model "$m" --objective "$o" --batch "$b" \
                        --seconds "$SECONDS_RUN" --warmup "$WARMUP" --device "$DEVICE" --workers "$t" ;;
                hvae4j-graph)
                    run_one "$name" "$r" "hvae4j-graph-t$t" "${JAVA[@]}" -Dhvae4j.blas.threads=1 -cp "$CP" \
                        org.hvae4j.experiments.TrainBench --model "$m" --objective "$o" --batch "$b" \
                        --seconds "$SECONDS_RUN" --warmup "$WARMUP" --device "$DEVICE" --workers 1 --graph ;;
                pytorch|pytorch-compile|pytorch2|pytorch2-compile)
                    compile=()
                    [[ $peer == *-compile ]] && compile=(--compile)
                    py=$PYTHON
                    [[ $peer == pytorch2* ]] && py=$PYTHON_NEW
                    run_one "$name" "$r" "$peer-t$t" "$py" bench/reference/vae_torch.py speed \
                        --model "$m" --objective "$o" --batch "$b" --threads "$t" \
                        --seconds "$SECONDS_RUN" --warmup "$WARMUP" --device "$DEVICE" "${compile[@]}" ;;
                dl4j)
                    run_one "$name" "$r" "dl4j-t$t" env OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" \
                        java -jar "$DL4J_JAR" --model g1 --objective elbo --batch "$b" --threads "$t" \
                        --seconds "$SECONDS_RUN" --warmup "$WARMUP" ;;
            esac
        done
    done
done

echo "load at end:     $(cat /proc/loadavg)" | tee -a "$OUT/machine.txt"
echo

# ------------------------------------------------------------------------------------------- the table
"$PYTHON" - "$RAW" "${CONFIG_NAMES[@]}" <<'EOF' | tee "$OUT/table.txt"
import json, statistics, sys

raw, configs = sys.argv[1], sys.argv[2:]
rows = [json.loads(l) for l in open(raw) if l.strip()]
ok = [r for r in rows if "examples_per_s" in r]
failed = [r for r in rows if "error" in r]

def rates(config, variant):
    return {r["round"]: r["examples_per_s"] for r in ok if r["config"] == config and r["variant"] == variant}

def peer_of(r):
    """PyTorch with torch.compile is a peer of its own."""
    return r["peer"] + ("-compile" if r.get("compile") else "")

def best(config, peer):
    """The variant of this peer with the highest median, and its rates by round."""
    cands = sorted({r["variant"] for r in ok if r["config"] == config and peer_of(r) == peer})
    scored = [(statistics.median(rates(config, v).values()), v) for v in cands]
    if not scored:
        return None, {}
    v = max(scored)[1]
    return v, rates(config, v)

def fmt(xs):
    xs = list(xs)
    if not xs:
        return "-"
    return f"{statistics.median(xs):,.0f} [{min(xs):,.0f}-{max(xs):,.0f}]"

def ratio(a, b):
    """Median [min-max] of a/b over the rounds both have (runs of one round ran back to back)."""
    rs = [a[k] / b[k] for k in a if k in b and b[k] > 0]
    if not rs:
        return "-"
    return f"{statistics.median(rs):.2f} [{min(rs):.2f}-{max(rs):.2f}]"

def threads(v):
    return v.rsplit("-t", 1)[1] if v else "-"

compiled = any(peer_of(r) == "pytorch-compile" for r in ok)
new = any(peer_of(r) == "pytorch2" for r in ok)
new_compiled = any(peer_of(r) == "pytorch2-compile" for r in ok)
before = any(peer_of(r) == "hvae4j-before" for r in ok)
head = ("config", "hvae4j ex/s median [min-max]", "t", "PyTorch ex/s median [min-max]", "t",
        "hvae4j/PyTorch", "DL4J ex/s median [min-max]", "t", "hvae4j/DL4J")
if compiled:
    head += ("torch.compile ex/s median [min-max]", "t", "hvae4j/compile")
if new:
    head += ("PyTorch 2 ex/s median [min-max]", "t", "hvae4j/PyTorch 2")
if new_compiled:
    head += ("PyTorch 2 compile ex/s median [min-max]", "t", "hvae4j/compile")
if before:
    head += ("before ex/s median [min-max]", "t", "hvae4j/before")
table = []
for c in configs:
    hv, h = best(c, "hvae4j")
    tv, t = best(c, "pytorch")
    dv, d = best(c, "dl4j")
    row = (c, fmt(h.values()), threads(hv), fmt(t.values()), threads(tv), ratio(h, t),
           fmt(d.values()) if d else "", threads(dv) if d else "", ratio(h, d) if d else "")
    if compiled:
        cv, cc = best(c, "pytorch-compile")
        row += (fmt(cc.values()), threads(cv), ratio(h, cc))
    for p, present in (("pytorch2", new), ("pytorch2-compile", new_compiled)):
        if present:
            pv, pp = best(c, p)
            row += (fmt(pp.values()), threads(pv), ratio(h, pp))
    if before:
        bv, bb = best(c, "hvae4j-before")
        row += (fmt(bb.values()), threads(bv), ratio(h, bb))
    table.append(row)
widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
line = lambda cells: "  ".join(str(x).ljust(w) for x, w in zip(cells, widths)).rstrip()
print(line(head))
print(line(["-" * w for w in widths]))
for t in table:
    print(line(t))
print()
print("t: threads of the variant shown (hvae4j: --workers; PyTorch: --threads; DL4J: OMP_NUM_THREADS);")
print("PyTorch: --python's torch (Debian's 1.13 by default); PyTorch 2: --python-new's (eager; compile: torch.compile);")
print("hvae4j's best variant is shown (hvae4j-graph-t1: the step captured as a CUDA graph);")
print("ratios: median [min-max] over rounds of the per-round ratio; each peer's best variant by median.")
print()
print("all variants (examples/s per round):")
for c in configs:
    for v in sorted({r["variant"] for r in ok if r["config"] == c}):
        rs = rates(c, v)
        print(f"  {c:16s} {v:20s} {fmt(rs.values()):28s} " + " ".join(f"{rs[k]:,.0f}" for k in sorted(rs)))
if failed:
    print()
    print(f"{len(failed)} run(s) failed:")
    for r in failed:
        print(f"  {r['config']} {r['variant']} round {r['round']}: {r['error']}")
EOF
echo
echo "raw JSON lines: $RAW; table: $OUT/table.txt; machine: $OUT/machine.txt; logs: $OUT/logs/"
