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
        assumeTrue(Mpi.bridgeBuilt(), "this build has no MPI bridge (CMake did not find MPI)");
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

    /**
     * Starts {@code hvae4j ARGS} on {@code ranks} ranks through a shell (Open MPI rewrites the arguments of a program
     * named java), marked so that its processes can be found.
     */
    static Process startCli(int ranks, String mark, double timeout, String... args) throws IOException {
        String mpirun = mpirun();
        assumeTrue(mpirun != null, "no mpirun on the PATH (Debian: openmpi-bin, libopenmpi-dev)");
        assumeTrue(Mpi.bridgeBuilt(), "this build has no MPI bridge (CMake did not find MPI)");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(mpirun, "--oversubscribe", "-np", Integer.toString(ranks), "sh",
                "-c", "exec \"$0\" --enable-native-access=ALL-UNNAMED -cp \"$HVAE4J_TEST_CP\" org.hvae4j.cli.Main \"$@\"",
                java));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        pb.environment().put("OMPI_MCA_btl", "self,vader");
        pb.environment().put("HVAE4J_TEST_CP", System.getProperty("java.class.path"));
        pb.environment().put("HVAE4J_TEST_MARK", mark);
        pb.environment().put(Mpi.TIMEOUT_VARIABLE, Double.toString(timeout));
        return pb.start();
    }

    /** The pid of rank {@code rank}'s JVM among the processes started with {@code mark}, waiting for it to start. */
    static long rankPid(String mark, int rank) throws Exception {
        for (int tries = 0; tries < 300; tries++) {
            for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
                Path env = Path.of("/proc", Long.toString(h.pid()), "environ");
                try {
                    String e = new String(Files.readAllBytes(env), StandardCharsets.UTF_8);
                    if (e.contains("HVAE4J_TEST_MARK=" + mark + "\0") && e.contains("OMPI_COMM_WORLD_RANK=" + rank + "\0")
                            && h.info().command().orElse("").endsWith("java")) {
                        return h.pid();
                    }
                } catch (IOException gone) {
                    // not ours, or already gone
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("rank " + rank + " did not start");
    }

    /** Trains long enough to be interrupted, waits for its first checkpoint, then does {@code fault} to rank 1. */
    String faultAfterCheckpoint(String signal, double timeout) throws Exception {
        String mark = java.util.UUID.randomUUID().toString();
        Path out = tmp.resolve("run");
        Process p = startCli(2, mark, timeout, "train", "--device", "CPU", "--model", "g1", "--epochs", "500",
                "--limit", "2000", "--out", out.toString());
        StringBuilder text = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                text.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        long pid = rankPid(mark, 1);
        Path ckpt = out.resolve("checkpoint.hvae");
        for (int i = 0; i < 600 && !Files.exists(ckpt); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(ckpt), "a first checkpoint within 60 s");
        long t0 = System.nanoTime();
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!ended) {
            p.destroyForcibly();
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        }
        reader.join(10_000);
        assertTrue(ended, "the job ended within 60 s of the fault:\n" + text);
        assertNotEquals(0, p.exitValue(), text::toString);
        assertTrue(seconds < timeout + 30, "ended after " + seconds + " s");
        // The last checkpoint still loads.
        assertTrue(org.hvae4j.model.Checkpoint.info(ckpt).epoch() >= 1, "the checkpoint after a fault loads");
        return text.toString();
    }

    @Test
    void aKilledRankEndsTheJobAndTheCheckpointSurvives() throws Exception {
        String text = faultAfterCheckpoint("KILL", 600);
        System.out.println("killed rank:\n" + text);
        assertTrue(text.contains("rank 1") || text.contains(",1]"), "the message names rank 1:\n" + text);
    }

    @Test
    void aHungRankEndsTheJobWithinTheTimeout() throws Exception {
        String text = faultAfterCheckpoint("STOP", 5);
        System.out.println("hung rank:\n" + text);
        assertTrue(text.contains("rank 0 of 2: MPI_Allreduce has waited 5 s for the other ranks"), text);
    }

    /** Runs hvae4j ARGS on {@code ranks} ranks to the end; returns its output, failing on a non-zero exit. */
    static String cli(int ranks, String... args) throws Exception {
        Process p = startCli(ranks, java.util.UUID.randomUUID().toString(), 600, args);
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), text);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    static float[] parameters(Path run) {
        try (Hvae m = org.hvae4j.model.Checkpoint.loadModel(run.resolve("checkpoint.hvae"), Backend.cpu())) {
            return org.hvae4j.tensor.TestSupport.concat(m.parameters().stream().map(p -> p.value()).toList());
        }
    }

    /**
     * Resuming with the same number of ranks continues bit for bit as the run that was not interrupted; resuming
     * with another number of ranks continues (other shards and noise streams: another continuation).
     */
    @Test
    void resumeWithTheSameOrAnotherNumberOfRanks() throws Exception {
        String[] common = {"--device", "CPU", "--model", "g1", "--limit", "1000"};
        Path whole = tmp.resolve("whole"), split = tmp.resolve("split"), other = tmp.resolve("other");
        cli(2, concat(new String[] {"train", "--epochs", "4", "--out", whole.toString()}, common));
        cli(2, concat(new String[] {"train", "--epochs", "2", "--out", split.toString()}, common));
        Files.copy(split.resolve("checkpoint.hvae"), Files.createDirectories(other).resolve("checkpoint.hvae"));
        String resumed = cli(2, "train", "--device", "CPU", "--resume", split.toString(), "--epochs", "4");
        assertTrue(resumed.contains("MPI: 2 ranks"), resumed);
        assertArrayEquals(parameters(whole), parameters(split), "2 ranks, resumed on 2 ranks: the same run");
        String one = cli(1, "train", "--device", "CPU", "--resume", other.toString(), "--epochs", "4");
        assertTrue(one.contains("epoch 4/4"), one);
        assertEquals(4, org.hvae4j.model.Checkpoint.info(other.resolve("checkpoint.hvae")).epoch());
    }

    static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static int[] read(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        int[] v = new int[b.length / 4];
        java.nio.ByteBuffer.wrap(b).asIntBuffer().get(v);
        return v;
    }

    /**
     * Two ranks of one worker each train (50 steps) what one process trains with two worker threads on the same
     * batches: the same shards, the same noise streams, the same mean gradients; and both ranks hold the same bits.
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
    void ranksWithDifferentConfigurationsOrDataRefuseToTrain() throws Exception {
        String[] r = run(2, tmp, "seed+R");
        assertNotEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("rank 1's training configuration differs from rank 0's"), r[1]);
        r = run(2, tmp, "data+R");
        assertNotEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("rank 1's data differs from rank 0's"), r[1]);
    }
}
