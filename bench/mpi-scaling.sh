#!/usr/bin/env bash
# Data parallelism on this machine: 2 MPI ranks x 1 thread against 1 process x 2 threads (and 1 x 1 for scale), the
# three Burda models (or --models), batch 100 and 1000 (or --batches), the ELBO; alternated round by round; medians
# of examples/s and, for the MPI runs, the share of the time rank 0 spent in the gradient allreduce. Needs Open MPI
# (openmpi-bin, libopenmpi-dev) and the jar (mvn -q package -DskipTests).
#   bench/mpi-scaling.sh [--rounds N] [--seconds S] [--models "g1 g2 b2"] [--batches "100 1000"] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 seconds=3 out=/tmp/hvae4j-mpi-scaling.jsonl models="g1 g2 b2" batches="100 1000"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
jar=target/hvae4j-0.1.0-SNAPSHOT.jar
[ -f "$jar" ] || { echo "build the jar first: mvn -q package -DskipTests" >&2; exit 2; }
command -v mpirun >/dev/null || { echo "mpirun not found (apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 2; }
export OMPI_MCA_btl=self,vader
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
java=(java --enable-native-access=ALL-UNNAMED -cp "$jar" org.hvae4j.experiments.TrainBench)
: > "$out"
for round in $(seq "$rounds"); do
  for model in $models; do
    for batch in $batches; do
      args=(--model "$model" --objective elbo --batch "$batch" --seconds "$seconds" --warmup 2)
      # A shell between mpirun and java: Open MPI rewrites the arguments of a program named java.
      mpirun --oversubscribe -np 2 sh -c 'exec "$@"' sh "${java[@]}" "${args[@]}" --device CPU \
        | sed 's/^{/{"mode":"2 ranks x 1 thread",/' >> "$out"
      "${java[@]}" "${args[@]}" --device cpu --workers 2 | sed 's/^{/{"mode":"1 process x 2 threads",/' >> "$out"
      "${java[@]}" "${args[@]}" --device cpu --workers 1 | sed 's/^{/{"mode":"1 process x 1 thread",/' >> "$out"
    done
  done
done
python3 - "$out" "$models" "$batches" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
modes = ["2 ranks x 1 thread", "1 process x 2 threads", "1 process x 1 thread"]
print("| model | batch | " + " | ".join(m + " ex/s" for m in modes) + " | 2 ranks / 2 threads | allreduce share (2 ranks) |")
print("|---|---:|" + "---:|" * (len(modes) + 2))
for model in sys.argv[2].split():
    for batch in [int(b) for b in sys.argv[3].split()]:
        med = {}
        for m in modes:
            v = [r["examples_per_s"] for r in rows if r["mode"] == m and r["model"] == model and r["batch"] == batch]
            med[m] = statistics.median(v) if v else float("nan")
        share = [r["allreduce_s"] / r["elapsed_s"] for r in rows
                 if r["mode"] == modes[0] and r["model"] == model and r["batch"] == batch]
        print(f"| {model} | {batch} | " + " | ".join(f"{med[m]:,.0f}" for m in modes)
              + f" | {med[modes[0]] / med[modes[1]]:.2f} | {100 * statistics.median(share):.0f}% |")
PY
