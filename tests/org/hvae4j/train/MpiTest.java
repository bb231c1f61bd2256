package org.hvae4j.train;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hvae4j.bridge.MpiNative;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.Trainer;
import org.hvae4j.tensor.Backend;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training over MPI, with {@code mpirun --oversubscribe -np 2} on this machine: runs wherever Open MPI
 * is installed and this build has its bridge, and skips (by assumption) elsewhere.
 */
@Tag("mpi")
class MpiTest {
    @TempDir
    Path tmp;

    static String mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "mpirun");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** Runs MpiTrainMain on {@code ranks} ranks; returns its exit code and output. */
    static String[] run(int ranks, Path out, String... extra) throws IOException, InterruptedException {
        String mpirun = mpirun();
        assumeTrue(mpirun != null, "no mpirun on the PATH (Debian: openmpi-bin, libopenmpi-dev)");
        assumeTrue(MpiNative.available(), "this build has no MPI bridge (CMake did not find MPI)");
        List<String> cmd = new ArrayList<>(List.of(mpirun, "--oversubscribe", "-np", Integer.toString(ranks),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), MpiTrainMain.class.getName(), out.toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        pb.environment().put("OMPI_MCA_btl", "self,vader");   // one machine: shared memory, no network probing
        Process p = pb.start();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
            fail("mpirun did not finish in 180 s:\n" + text);
        }
        return new String[] {Integer.toString(p.exitValue()), text};
    }

    static int[] read(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        int[] v = new int[b.length / 4];
        java.nio.ByteBuffer.wrap(b).asIntBuffer().get(v);
        return v;
    }

    /**
     * Two ranks of one worker each train what one process trains with two worker threads on the same batches: the
     * same shards, the same noise streams, the same mean gradients; and both ranks hold the same bits.
     */
    @Test
    void twoRanksTrainWhatOneProcessWithTwoWorkersTrains() throws Exception {
        String[] r = run(2, tmp);
        assertEquals("0", r[0], r[1]);
        int[] rank0 = read(tmp.resolve("rank-0.bin")), rank1 = read(tmp.resolve("rank-1.bin"));
        assertArrayEquals(rank0, rank1, "parameters bit-identical across ranks");
        Path local = tmp.resolve("local.bin");
        try (Hvae m = new Hvae(MpiTrainMain.spec(), Backend.cpu(), 1);
                Trainer t = new Trainer(m, MpiTrainMain.config(3)).withWorkers(2)) {
            t.fit(MpiTrainMain.data(), null);
            MpiTrainMain.write(local, m);
        }
        int[] one = read(local);
        assertEquals(one.length, rank0.length);
        double maxDiff = 0;
        for (int i = 0; i < one.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(Float.intBitsToFloat(one[i]) - Float.intBitsToFloat(rank0[i])));
        }
        // Not only within float tolerance: the same shards, noise and means give the same bits.
        assertEquals(0.0, maxDiff, "2 ranks against 1 process × 2 workers: largest parameter difference");
        assertArrayEquals(one, rank0, "2 ranks against 1 process × 2 workers, bit for bit");
    }

    @Test
    void ranksWithDifferentConfigurationsRefuseToTrain() throws Exception {
        String[] r = run(2, tmp, "seed+R");
        assertNotEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("rank 1 has another training configuration than rank 0"), r[1]);
    }
}
