package org.hvae4j.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.Objective;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * Training throughput of one Burda model, measured the way {@code bench/reference/vae_torch.py speed} measures the
 * PyTorch peer, so that {@code bench/compare.sh} can alternate the two and compare like with like:
 * <ul>
 *   <li>data: a pool of {@code max(10 * batch, 10000)} uniform random grey images (784 columns) resident on the
 *       device, taken as consecutive batches (views, no copy); each step binarizes its batch afresh (the model's
 *       {@code bernoulli-binarized} likelihood does it inside the kernel, PyTorch calls {@code torch.bernoulli});</li>
 *   <li>a timed step: forward, backward, Adam update (lr 1e-3) — {@link Trainer#step};</li>
 *   <li>warm-up: 3 steps, then {@code --warmup} seconds; measurement: chunks of about 0.2 s with a device
 *       synchronisation after each chunk, until {@code --seconds} of wall time have passed.</li>
 * </ul>
 * Prints one JSON line as the last line of stdout:
 * {@code {"peer":"hvae4j","model":..,"objective":..,"batch":..,"examples_per_s":..,...}}.
 * <pre>
 * java -Dhvae4j.blas.threads=1 -cp ... org.hvae4j.experiments.TrainBench --model g1 --objective elbo \
 *     --batch 100 --seconds 10 [--warmup 2] [--device cpu|cuda|cuda:N] [--seed 0]
 * </pre>
 * Objectives: {@code elbo}, {@code iwaeK} or {@code iwae:K} (reported as {@code iwaeK}, the PyTorch spelling).
 * {@code --graph}: captured steps ({@link Trainer#withCapturedSteps}); the JSON's {@code graph} says whether the step
 * really ran as a CUDA graph.
 */
public final class TrainBench {
    private TrainBench() {}

    public static void main(String[] args) {
        String model = "g1";
        String objectiveName = "elbo";
        int batch = 100;
        double seconds = 10;
        double warmup = 2;
        String device = "cpu";
        long seed = 0;
        int workers = 1;
        boolean graph = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--graph")) {
                graph = true;
                continue;
            }
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println("usage: TrainBench --model g1|g2|b2 --objective elbo|iwaeK --batch N "
                        + "--seconds S [--warmup S] [--device cpu|cuda|cuda:N] [--seed N] [--workers 1|2] [--graph]");
                return;
            }
            if (i + 1 >= args.length) {
                fail("option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--model" -> model = v;
                case "--objective" -> objectiveName = v;
                case "--batch" -> batch = Integer.parseInt(v);
                case "--seconds" -> seconds = Double.parseDouble(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--device" -> device = v;
                case "--seed" -> seed = Long.parseLong(v);
                case "--workers" -> workers = Integer.parseInt(v);
                default -> fail("unknown option " + a);
            }
        }
        if (batch < 1 || !(seconds > 0) || !(warmup >= 0)) {
            fail("need --batch >= 1, --seconds > 0, --warmup >= 0");
        }
        Objective objective = BurdaModels.objective(objectiveName);
        String objectiveLabel = switch (objective.kind()) {
            case ELBO -> "elbo";
            case IWAE -> "iwae" + objective.k();
            case IWAE_DREG -> "iwae-dreg" + objective.k();
        };

        Backend backend = Backend.byName(device);
        // Under an MPI launcher: one rank of a data-parallel job, each rank stepping on its shard of every batch.
        org.hvae4j.train.Mpi mpi = org.hvae4j.train.Mpi.launched() ? org.hvae4j.train.Mpi.world() : null;
        int ranks = mpi == null ? 1 : mpi.size();
        if (batch % ranks != 0) {
            fail("--batch " + batch + " does not divide among " + ranks + " ranks");
        }
        int globalBatch = batch;
        batch = batch / ranks;
        TrainConfig cfg = TrainConfig.defaults(1).withBatchSize(batch).withSeed(seed).withObjective(objective);
        int cols = 784;
        int poolRows = Math.max(10 * batch, 10000) / batch * batch;
        int nBatches = poolRows / batch;
        float[] grey = new float[poolRows * cols];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < grey.length; i++) {
            grey[i] = (float) rng.nextDouble();
        }
        try (Hvae hvae = new Hvae(BurdaModels.byName(model), backend, seed); Trainer trainer = new Trainer(hvae, cfg).withWorkers(workers)
                .withCapturedSteps(graph).withProcessGroup(mpi);
             Tensor pool = backend.fromArray(grey, poolRows, cols)) {
            List<Tensor> batches = new ArrayList<>(nBatches);
            for (int b = 0; b < nBatches; b++) {
                batches.add(pool.rowsView(b * batch, (b + 1) * batch));
            }
            double lr = cfg.learningRate();
            long cursor = 0;

            for (int i = 0; i < 3; i++) {
                trainer.step(batches.get((int) (cursor++ % nBatches)), null, lr);
            }
            backend.synchronize();
            long t0 = System.nanoTime();
            long warmSteps = 0;
            do {
                trainer.step(batches.get((int) (cursor++ % nBatches)), null, lr);
                warmSteps++;
                backend.synchronize();
            } while (!rankZeroSays(mpi, System.nanoTime() - t0 >= warmup * 1e9));
            double rate = warmSteps / ((System.nanoTime() - t0) / 1e9);

            // Every rank must take the same number of steps: rank 0's chunk size and its clock decide.
            long chunk = Math.max(1, (long) (rate * 0.2));
            if (mpi != null) {
                chunk = mpi.allgather(chunk)[0];
            }
            double reduceBefore = mpi == null ? 0 : mpi.allreduceSeconds();
            long steps = 0;
            double elapsed;
            backend.synchronize();
            t0 = System.nanoTime();
            while (true) {
                for (long i = 0; i < chunk; i++) {
                    trainer.step(batches.get((int) (cursor++ % nBatches)), null, lr);
                }
                steps += chunk;
                backend.synchronize();
                elapsed = (System.nanoTime() - t0) / 1e9;
                if (rankZeroSays(mpi, elapsed >= seconds)) {
                    break;
                }
            }
            if (mpi != null && mpi.rank() != 0) {
                return;
            }
            double reduce = mpi == null ? 0 : mpi.allreduceSeconds() - reduceBefore;
            System.out.println(String.format(Locale.ROOT,
                    "{\"peer\":\"hvae4j\",\"model\":\"%s\",\"objective\":\"%s\",\"batch\":%d,"
                            + "\"device\":\"%s\",\"workers\":%d,\"graph\":%s,\"blas_threads\":%d,\"backend\":\"%s\","
                            + "\"java\":\"%s\",\"examples_per_s\":%.1f,\"steps\":%d,\"elapsed_s\":%.3f,"
                            + "\"skipped_steps\":%d,\"ranks\":%d,\"allreduce_s\":%.3f}",
                    model, objectiveLabel, globalBatch, device, workers, trainer.capturedGraph(),
                    Integer.getInteger("hvae4j.blas.threads", 1),
                    json(backend.describe()), json(System.getProperty("java.version")), steps * globalBatch / elapsed,
                    steps, elapsed, trainer.skippedSteps(), ranks, reduce));
        }
    }

    /** {@code mine} on one process; in an MPI job, rank 0's value (so that every rank stops at the same step). */
    private static boolean rankZeroSays(org.hvae4j.train.Mpi mpi, boolean mine) {
        return mpi == null ? mine : mpi.allgather(mine ? 1 : 0)[0] == 1;
    }

    private static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static void fail(String message) {
        System.err.println("TrainBench: " + message);
        System.exit(2);
    }
}
