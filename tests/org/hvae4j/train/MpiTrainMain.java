package org.hvae4j.train;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hvae4j.data.Dataset;
import org.hvae4j.data.Datasets;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.LatentSpec;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;

/**
 * One rank of the MPI tests ({@link MpiTest}), started by mpirun: trains the test model on the test data as a rank of
 * the job and writes its parameters to {@code OUT/rank-R.bin}. A second argument {@code seed+R} gives each rank
 * another configuration, {@code data+R} other data (the mismatch tests).
 */
public final class MpiTrainMain {
    private MpiTrainMain() {}

    static ModelSpec spec() {
        return ModelSpec.builder().latent(LatentSpec.gaussian(4)).hidden(16).latent(LatentSpec.gaussian(8)).hidden(32)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
    }

    static Dataset data() {
        return Datasets.embeddedMnist().head(400);
    }

    static TrainConfig config(long seed) {
        return TrainConfig.defaults(5).withBatchSize(40).withSeed(seed);
    }

    static void write(Path file, Hvae m) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            for (Param p : m.parameters()) {
                for (float v : p.value().toArray()) {
                    out.writeInt(Float.floatToRawIntBits(v));
                }
            }
        }
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Mpi mpi = Mpi.world();
        // The byte broadcast that hands NCCL's unique id to the ranks: every byte value arrives unchanged.
        byte[] id = new byte[256];
        for (int i = 0; i < id.length; i++) {
            id[i] = mpi.rank() == 0 ? (byte) (255 - i) : 0;
        }
        mpi.broadcast(id, 0);
        for (int i = 0; i < id.length; i++) {
            if (id[i] != (byte) (255 - i)) {
                System.err.println("rank " + mpi.rank() + ": byte " + i + " of the broadcast is " + id[i]);
                System.exit(5);
            }
        }
        String variant = args.length > 1 ? args[1] : "";
        long seed = variant.equals("seed+R") ? 3 + mpi.rank() : 3;
        Dataset data = variant.equals("data+R") ? Datasets.embeddedMnist().subset(mpi.rank(), 400 + mpi.rank()) : data();
        try (Hvae m = new Hvae(spec(), Backend.cpu(), 1);
                Trainer t = new Trainer(m, config(seed)).withProcessGroup(mpi)) {
            t.fit(data, null);
            write(out.resolve("rank-" + mpi.rank() + ".bin"), m);
        } catch (RuntimeException e) {
            System.err.println("rank " + mpi.rank() + ": " + e.getMessage());
            System.exit(3);
        }
        System.out.println("rank " + mpi.rank() + " of " + mpi.size() + " trained");
    }
}
