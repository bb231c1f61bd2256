#!/usr/bin/env bash
# Runs on a lent GPU machine (the `device` tool), from the repository root, with target/gpu-bundle.tgz carried
# there (made by bench/gpu/bundle.sh on the build machine). Writes everything under $OUT.
#
#   bench/gpu/run.sh check                  # machine, Java, CUDA libraries, hvae4j's CUDA backend (seconds)
#   bench/gpu/run.sh native                 # the native checks of the CUDA kernels (native/check) -> $OUT/native.txt
#   bench/gpu/run.sh sanitize               # the same under compute-sanitizer memcheck and racecheck
#   bench/gpu/run.sh tests                  # the gpu-tagged JUnit tests on the GPU -> $OUT/gpu-tests.txt, junit/
#   bench/gpu/run.sh bench [compare.sh options]
#                                           # bench/compare.sh --device cuda against PyTorch eager and
#                                           # torch.compile, hvae4j ordinary and captured (--graph) steps
#
# The device allows 10 minutes per command: split the benchmark, e.g. `bench --models g1`, `--models g2`, ...
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:?"\$OUT is not set: run this on the device machine"}
PHASE=${1:-check}
shift || true

B=target/gpu-bundle
# Unpacked afresh from the carried archive on every call: a folder left by an earlier call may hold an older build.
[ -f target/gpu-bundle.tgz ] || { echo "run.sh: target/gpu-bundle.tgz missing (bench/gpu/bundle.sh, then carry it)" >&2; exit 2; }
rm -rf "$B"
tar xzf target/gpu-bundle.tgz -C target
export PATH="$PWD/$B/jre/bin:$PATH"
PYTHON=${PYTHON:-python3}

# cuBLAS, cuBLASLt, cuDNN and the CUDA runtime come with PyTorch's NVIDIA wheels (nvidia/*/lib in site-packages);
# JavaCPP's JNI libraries load them by soname from LD_LIBRARY_PATH. The driver's libcuda.so.1 is the system's.
NV=$("$PYTHON" - <<'PY' 2>/dev/null || true
import glob, os
try:
    import nvidia
    roots = list(nvidia.__path__)
except Exception:
    roots = []
print(":".join(sorted({d for r in roots for d in glob.glob(os.path.join(r, "*", "lib")) if os.path.isdir(d)})))
PY
)
export LD_LIBRARY_PATH="${NV}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
CP="$B/hvae4j.jar:$(ls "$B"/lib/*.jar | tr '\n' ':')"
JAVA=(java --enable-native-access=ALL-UNNAMED)

case "$PHASE" in
    check)
        {
            echo "== date"; date -u
            echo "== nvidia-smi"; nvidia-smi || true
            echo "== java"; java -version 2>&1
            echo "== torch"; "$PYTHON" -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))' 2>&1 || true
            echo "== LD_LIBRARY_PATH"; echo "$LD_LIBRARY_PATH" | tr ':' '\n'
            echo "== hvae4j --version"; "${JAVA[@]}" -cp "$CP" org.hvae4j.cli.Main --version 2>&1 || true
            echo "== hvae4j on the GPU: one second of training"
            "${JAVA[@]}" -cp "$CP" org.hvae4j.experiments.TrainBench --model g1 --objective elbo --batch 100 \
                --seconds 1 --warmup 0 --device cuda 2>&1 || true
        } | tee "$OUT/machine.txt"
        ;;
    native|sanitize)
        # Each check compares a family's CUDA kernels with the CPU kernels; 77 (no usable device) is a failure here.
        export LD_LIBRARY_PATH="$PWD/$B/native:$LD_LIBRARY_PATH"
        rc=0
        for c in "$B"/native/check_*_cuda; do
            if [ "$PHASE" = native ]; then
                "$c" >> "$OUT/$PHASE.txt" 2>&1 || rc=1
            else
                for tool in memcheck racecheck; do
                    echo "== $tool $(basename "$c")" >> "$OUT/$PHASE.txt"
                    compute-sanitizer --tool "$tool" --error-exitcode 9 "$c" >> "$OUT/$PHASE.txt" 2>&1 || rc=1
                done
            fi
        done
        cat "$OUT/$PHASE.txt"
        grep -q "^FAIL\|skipped\|ERROR SUMMARY: [1-9]" "$OUT/$PHASE.txt" && rc=1
        exit "$rc"
        ;;
    tests)
        # Exit status 0 only when every selected test passed: a gpu test skipped or aborted (an assumption about the
        # device failed) on a GPU machine means the CUDA backend was not usable there, which is a failure here.
        set +e
        "${JAVA[@]}" -jar "$B"/junit-platform-console-standalone-*.jar execute \
            --class-path "$B/test-classes:$CP" --scan-class-path "$B/test-classes" --include-tag gpu \
            --reports-dir "$OUT/junit" --details tree --disable-banner --disable-ansi-colors > "$OUT/gpu-tests.txt" 2>&1
        rc=$?
        set -e
        grep -E '^\[|Assumption failed|Exception' "$OUT/gpu-tests.txt" | head -40
        if grep -qE '\[ *[1-9][0-9]* tests (skipped|aborted) *\]' "$OUT/gpu-tests.txt"; then
            echo "run.sh: gpu tests were skipped or aborted on a GPU machine: the CUDA backend was not usable" \
                "(see $OUT/gpu-tests.txt)" >&2
            [ "$rc" = 0 ] && rc=3
        fi
        exit "$rc"
        ;;
    bench)
        cp "$B/hvae4j.jar" target/hvae4j-0.1.0-SNAPSHOT.jar
        ls "$B"/lib/*.jar | tr '\n' ':' | sed 's/:$//' > target/bench-classpath.txt
        bench/compare.sh --device cuda --python "$PYTHON" --torch-compile --hvae4j-graph --hvae4j-threads 1 \
            --batches 100,4096 --no-build --out "$OUT/compare" "$@"
        ;;
    *)
        echo "run.sh: unknown phase '$PHASE' (check, native, sanitize, tests or bench)" >&2
        exit 2
        ;;
esac
