package org.hvae4j.bench;

import java.util.Locale;
import java.util.SplittableRandom;
import org.hvae4j.experiments.BurdaModels;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.Objective;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.GemmStats;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * The throughput floor of a training configuration on this CPU: the machine's single-thread sgemm rate (a large
 * square product through the same OpenBLAS call hvae4j uses) times the cores, divided by the training FLOPs per
 * example that the products of one step really perform (counted by {@link GemmStats}). Also reports how much of a
 * one-worker step the products take and the rate they run at inside it. Not a test; prints one JSON line.
 * <pre>
 * java -cp ... org.hvae4j.bench.SgemmFloor --model g2 --objective iwae5 --batch 100 [--steps 200] [--cores 2]
 *     [--shapes true]   (also one line per product shape: calls per step, GFLOP/s, share of the step)
 * </pre>
 */
public final class SgemmFloor {
    private SgemmFloor() {}

    public static void main(String[] args) {
        String model = "g1";
        String objective = "elbo";
        int batch = 100;
        int steps = 200;
        int cores = Runtime.getRuntime().availableProcessors();
        boolean shapes = false;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> model = args[i + 1];
                case "--objective" -> objective = args[i + 1];
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--cores" -> cores = Integer.parseInt(args[i + 1]);
                case "--shapes" -> shapes = Boolean.parseBoolean(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Backend cpu = Backend.cpu();
        double peak = peakGflops(cpu);
        Objective obj = BurdaModels.objective(objective);
        TrainConfig cfg = TrainConfig.defaults(1).withBatchSize(batch).withObjective(obj);
        SplittableRandom rng = new SplittableRandom(0);
        float[] grey = new float[batch * 784];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = (float) rng.nextDouble();
        }
        try (Hvae m = new Hvae(BurdaModels.byName(model), cpu, 0); Trainer t = new Trainer(m, cfg);
                MemoryScope scope = MemoryScope.open()) {
            Tensor x = cpu.fromArray(grey, batch, 784);
            for (int i = 0; i < Math.max(20, steps / 5); i++) {
                t.step(x, null, 1e-3);
            }
            GemmStats.reset();
            GemmStats.enable(true);
            GemmStats.byShape(shapes);
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                t.step(x, null, 1e-3);
            }
            long wall = System.nanoTime() - t0;
            GemmStats.enable(false);
            if (shapes) {
                printShapes(steps, wall);
            }
            double flopsPerExample = (double) GemmStats.flops() / ((double) steps * batch);
            double inStep = GemmStats.flops() / (double) GemmStats.nanos();
            double oneWorker = (double) steps * batch / (wall / 1e9);
            System.out.println(String.format(Locale.ROOT,
                    "{\"model\":\"%s\",\"objective\":\"%s\",\"batch\":%d,\"sgemm_peak_gflops_per_core\":%.1f,"
                            + "\"cores\":%d,\"training_mflop_per_example\":%.3f,\"floor_examples_per_s\":%.0f,"
                            + "\"one_worker_examples_per_s\":%.0f,\"sgemm_share_of_step\":%.3f,"
                            + "\"sgemm_gflops_in_step\":%.1f}",
                    model, objective, batch, peak, cores, flopsPerExample / 1e6,
                    cores * peak * 1e9 / flopsPerExample, oneWorker, GemmStats.nanos() / (double) wall, inStep));
        }
    }

    /** One JSON line per product shape, largest time share first: calls per step, GFLOP/s, share of the step. */
    private static void printShapes(int steps, long wall) {
        GemmStats.shapes().entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[2], a.getValue()[2]))
                .forEach(e -> System.out.println(String.format(Locale.ROOT,
                        "{\"shape\":\"%s\",\"calls_per_step\":%.1f,\"gflops\":%.1f,\"share_of_step\":%.3f}",
                        e.getKey(), e.getValue()[0] / (double) steps, e.getValue()[1] / (double) e.getValue()[2],
                        e.getValue()[2] / (double) wall)));
    }

    /** Best single-thread rate of a 1024 × 1024 × 1024 product over 20 repetitions, in GFLOP/s. */
    static double peakGflops(Backend cpu) {
        int n = 1024;
        float[] a = new float[n * n];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor x = cpu.fromArray(a, n, n), y = cpu.fromArray(a, n, n), z = cpu.empty(n, n);
            double best = 0;
            for (int r = 0; r < 20; r++) {
                long t0 = System.nanoTime();
                cpu.matmul(x, false, y, false, z, 1f, 0f);
                long dt = System.nanoTime() - t0;
                best = Math.max(best, 2.0 * n * n * n / dt);
            }
            return best;
        }
    }
}
