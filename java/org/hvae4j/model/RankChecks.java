package org.hvae4j.model;

import java.nio.charset.StandardCharsets;
import org.hvae4j.data.Dataset;
import org.hvae4j.nn.Adam;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Tensor;
import org.hvae4j.train.Mpi;
import org.hvae4j.train.RankGroup;

/**
 * What the ranks of an MPI job check with each other: before training, that they describe the same model, training
 * configuration, data and place in the run (each rank gathers every rank's checksums, so all refuse together, naming
 * the difference); then rank 0's parameters and optimizer state for everyone; after each epoch, that the parameters
 * are bit-identical on every rank.
 */
final class RankChecks {
    private RankChecks() {}

    /** FNV-1a over bytes, continuing from h. */
    static long hash(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * One value folded in whole (FNV-1a's step on a word rather than a byte: one multiply per value of a data set,
     * and still a bijection of h for each value, so any single difference changes the checksum).
     */
    static long hash(long h, long v) {
        return (h ^ v) * 0x100000001b3L;
    }

    static final long SEED = 0xcbf29ce484222325L;

    static long hash(String s) {
        return hash(SEED, s.getBytes(StandardCharsets.UTF_8));
    }

    static long hash(Dataset d) {
        long h = hash(hash(SEED, d.rows()), d.cols());
        for (float v : d.features()) {
            h = hash(h, Float.floatToRawIntBits(v));
        }
        if (d.hasLabels()) {
            for (int l : d.labels()) {
                h = hash(h, l);
            }
        }
        return h;
    }

    static long hash(Iterable<Param> params) {
        long h = SEED;
        for (Param p : params) {
            for (float v : p.value().toArray()) {
                h = hash(h, Float.floatToRawIntBits(v));
            }
        }
        return h;
    }

    /** Refuses to train unless every rank has rank 0's model, configuration, data and step. */
    static void agree(Mpi mpi, Hvae model, TrainConfig cfg, Dataset data, long step) {
        String[] what = {"model", "training configuration", "data", "step (the checkpoint it resumed from)",
            "device kind (CPU or GPU: all ranks must train on the same kind)"};
        long[] mine = {hash(model.spec().toString()), hash(cfg.toString()), hash(data), step,
            model.backend().device().isCuda() ? 1 : 0};
        for (int i = 0; i < what.length; i++) {
            long[] all = mpi.allgather(mine[i]);
            for (int r = 1; r < all.length; r++) {
                if (all[r] != all[0]) {
                    throw new IllegalStateException("rank " + r + "'s " + what[i] + " differs from rank 0's"
                            + (i == 3 ? " (step " + all[r] + " against " + all[0] + ")"
                                    : i == 4 ? (all[r] == 1 ? " (a GPU against the CPU)" : " (the CPU against a GPU)")
                                    : String.format(" (checksum %016x against %016x)", all[r], all[0]))
                            + ": every rank must be started with the same command and data");
                }
            }
        }
    }

    /** Every rank takes rank 0's parameters, Adam moments and state, and REINFORCE baseline. */
    static void broadcastState(RankGroup group, Hvae model, Adam adam, Tensor baseline) {
        for (int i = 0; i < model.parameters().size(); i++) {
            group.broadcast(model.parameters().get(i).value(), 0);
            group.broadcast(adam.firstMoment(i), 0);
            group.broadcast(adam.secondMoment(i), 0);
        }
        group.broadcast(adam.state(), 0);
        group.broadcast(baseline, 0);
    }

    /** Fails (on every rank) unless the parameters are bit-identical across the ranks after epoch {@code epoch}. */
    static void sameParameters(Mpi mpi, Hvae model, int epoch) {
        long[] all = mpi.allgather(hash(model.parameters()));
        for (int r = 1; r < all.length; r++) {
            if (all[r] != all[0]) {
                throw new IllegalStateException(String.format("after epoch %d the parameters of rank %d differ from "
                        + "rank 0's (checksum %016x against %016x)", epoch, r, all[r], all[0]));
            }
        }
    }
}
