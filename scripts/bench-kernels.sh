#!/usr/bin/env bash
# Kernel bandwidth benchmark (not a test): builds hvae4j when the sources are newer than the last build made here,
# then runs org.hvae4j.bench.KernelBench with the arguments given, for example
#
#   scripts/bench-kernels.sh --device cuda
#   scripts/bench-kernels.sh --device cpu --runs 3 --seconds-per-case 0.3 --csv runs/kernels-cpu.csv
#
# Environment: MVN (default mvn), MVN_FLAGS (default -q -o: quiet, offline), JAVA (default java),
# JAVA_OPTS (extra JVM options). Run with --help for the benchmark's options.
set -euo pipefail
cd "$(dirname "$0")/.."

MVN=${MVN:-mvn}
read -r -a mvn_flags <<< "${MVN_FLAGS:--q -o}"
JAVA=${JAVA:-java}
stamp=target/.bench-kernels-built
classpath=target/bench-kernels.classpath

if [[ ! -f $stamp || ! -f target/classes/org/hvae4j/bench/KernelBench.class ]] \
    || [[ -n $(find java native cmake pom.xml -newer "$stamp" -print -quit) ]]; then
  echo "bench-kernels: building hvae4j (mvn package -DskipTests)" >&2
  "$MVN" "${mvn_flags[@]}" package -DskipTests >&2
  touch "$stamp"
fi
if [[ ! -f $classpath || pom.xml -nt $classpath ]]; then
  "$MVN" "${mvn_flags[@]}" dependency:build-classpath -Dmdep.outputFile="$classpath" >&2
fi

read -r -a java_opts <<< "${JAVA_OPTS:-}"
exec "$JAVA" --enable-native-access=ALL-UNNAMED "${java_opts[@]}" -cp "target/classes:$(cat "$classpath")" \
  org.hvae4j.bench.KernelBench "$@"
