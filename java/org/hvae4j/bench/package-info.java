/**
 * Benchmarks run from the command line (not tests): {@link org.hvae4j.bench.KernelBench} measures the memory
 * bandwidth each fused kernel reaches against the device's own copy bandwidth.
 */
package org.hvae4j.bench;
