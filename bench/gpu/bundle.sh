#!/usr/bin/env bash
# Packs, on the build machine, what a GPU machine without Java or Maven needs to run hvae4j's gpu-tagged tests and
# the CUDA benchmark: a jlink'd Java runtime, the jar (with its native libraries, CUDA ones included), the test
# classes, every dependency jar, JUnit's console launcher and the native checks of the CUDA kernels, into target/gpu-bundle.tgz. The GPU machine's own
# CUDA libraries (cuBLAS, cuDNN: PyTorch's NVIDIA wheels) are found there by bench/gpu/run.sh. See bench/README.md.
#
#   bench/gpu/bundle.sh            # builds (mvn package, test-compile) unless --no-build
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=1
[ "${1:-}" = --no-build ] && BUILD=0
if [ "$BUILD" = 1 ]; then
    mvn -q -B package -DskipTests
    mvn -q -B test-compile
fi
CONSOLE_VERSION=$(sed -n 's:.*<junit.version>5\.\([0-9.]*\)</junit.version>.*:1.\1:p' pom.xml)
mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/gpu-classpath.txt -Dmdep.includeScope=test
mvn -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$CONSOLE_VERSION" \
    -DoutputDirectory=target/gpu-console
B=target/gpu-bundle
rm -rf "$B" target/gpu-bundle.tgz
mkdir -p "$B/lib"
tr ':' '\n' < target/gpu-classpath.txt | while read -r jar; do
    # Only what runs: the build and report libraries the tests and benchmarks never touch stay behind.
    case "$(basename "$jar")" in pdfbox-*|fontbox-*|xchart-*|VectorGraphics2D-*|graphics2d-*) continue ;; esac
    cp "$jar" "$B/lib/"
done
cp target/gpu-console/junit-platform-console-standalone-*.jar "$B/"
cp target/hvae4j-*.jar "$B/hvae4j.jar"
cp -r target/test-classes "$B/test-classes"
# The native checks of the CUDA kernels (native/check, no JVM needed) with the libraries they link.
mkdir -p "$B/native"
cp target/native-build/check_*_cuda target/native/lib/libhvae4j.so target/native/lib/libhvae4j_cuda.so "$B/native/"
# Modules: java.base; jdk.unsupported (JavaCPP); java.management (JavaCPP's optional mxbean, JUnit); java.logging
# (JUnit, hvae4j's own log); java.xml (JUnit's XML reports). java.desktop stays out: nothing the GPU run does draws.
jlink --add-modules java.base,jdk.unsupported,java.management,java.logging,java.xml \
    --compress=2 --strip-debug --no-header-files --no-man-pages --output "$B/jre"
tar czf target/gpu-bundle.tgz -C target gpu-bundle
echo "target/gpu-bundle.tgz: $(du -m target/gpu-bundle.tgz | cut -f1) MB"
