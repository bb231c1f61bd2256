package org.hvae4j.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hvae4j.model.Checkpoint;
import org.hvae4j.model.Hvae;
import org.hvae4j.tensor.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults from outside, on real processes: {@code train} killed with SIGKILL at random moments, and outputs written
 * to a disk that is full (a file-size limit, {@code ulimit -f}: the JVM ignores SIGXFSZ, so a write past the limit
 * fails with EFBIG as on a full disk). Each time, what was written before must survive intact and load.
 */
class FaultInjectionTest {
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path tmp;

    /** The program in a child JVM, its output to {@code log}; under {@code ulimit -f KB} when {@code fileLimitKb > 0}. */
    static Process start(Path log, int fileLimitKb, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-XX:-UsePerfData", "-Xmx512m", "-cp",
                System.getProperty("java.class.path"), "org.hvae4j.cli.Main"));
        cmd.addAll(List.of(args));
        if (fileLimitKb > 0) {
            StringBuilder sh = new StringBuilder("ulimit -f " + fileLimitKb + " && exec");
            for (String c : cmd) {
                sh.append(" '").append(c.replace("'", "'\\''")).append('\'');
            }
            cmd = List.of("bash", "-c", sh.toString());
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static int run(Path log, int fileLimitKb, String... args) throws Exception {
        Process p = start(log, fileLimitKb, args);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child finished");
        return p.exitValue();
    }

    static String[] train(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", "mnist-embedded", "--limit", "1100", "--latents",
                "8", "--hidden", "64", "--batch", "50", "--eval-k", "2", "--eval-n", "50", "--device", "cpu",
                "--plain", "--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /**
     * Rounds of: start (or resume) a run, kill -9 it at a random moment; after every kill the checkpoint, when one
     * was written, is whole and loads, no more than one temporary file of a killed writer is left (the next run
     * removes it), and the run directory's lock is free for the next process.
     */
    @Test
    void killedAtRandomMomentsTheCheckpointAlwaysLoads() throws Exception {
        Path run = tmp.resolve("run");
        Path ck = run.resolve("checkpoint.hvae");
        SplittableRandom rng = new SplittableRandom(7);
        int withCheckpoint = 0;
        long lastStep = -1;
        for (int round = 0; round < 6; round++) {
            String[] args = Files.exists(ck) ? new String[] {"train", "--resume", run.toString(), "--epochs", "10000",
                "--device", "cpu", "--plain", "--eval-k", "2", "--eval-n", "50"} : train(run, "--epochs", "10000");
            Path log = tmp.resolve("kill-" + round + ".log");
            Process p = start(log, 0, args);
            // The first round waits for the first checkpoint, so that every round has one to check; then a random
            // moment (the JVM starts in about a second, an epoch of 990 rows takes a fraction of one, checkpoint
            // writes included, so kills land before, between and inside writes).
            for (int waited = 0; !Files.exists(ck) && waited < 60_000 && p.isAlive(); waited += 20) {
                Thread.sleep(20);
            }
            Thread.sleep(round == 0 ? rng.nextInt(1500) : 800 + rng.nextInt(2500));
            assertTrue(p.isAlive(), () -> "still training when killed: " + read(log));
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue(), "killed by SIGKILL");
            if (Files.exists(ck)) {
                withCheckpoint++;
                Checkpoint.Info info = Checkpoint.info(ck);
                assertTrue(info.step() >= lastStep, "a later kill never leaves an earlier checkpoint");
                lastStep = info.step();
                try (Hvae m = Checkpoint.loadModel(ck, Backend.cpu())) {
                    assertTrue(m.parameterCount() > 0);
                }
            }
            try (Stream<Path> files = Files.list(run)) {
                long temps = files.filter(f -> f.getFileName().toString().contains(".tmp-")).count();
                assertTrue(temps <= 1, "at most the killed writer's own temporary file: " + temps);
            }
        }
        assertEquals(6, withCheckpoint, "every round left a checkpoint");
        // the lock of the killed process is gone: the run continues, and finishes
        Path log = tmp.resolve("final.log");
        int code = run(log, 0, "train", "--resume", run.toString(), "--epochs",
                String.valueOf(Checkpoint.info(ck).epoch() + 1), "--device", "cpu", "--plain", "--eval-k", "2",
                "--eval-n", "50");
        assertEquals(0, code, () -> read(log));
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(0, files.filter(f -> f.getFileName().toString().contains(".tmp-")).count(),
                    "stale temporary files were removed");
        }
    }

    /**
     * A disk that fills while outputs are written: the write fails with an error naming the file, and the file
     * written before is exactly as it was (no truncated CSV, PNG or checkpoint replaces it).
     */
    @Test
    void aFullDiskLeavesEveryEarlierOutputIntact() throws Exception {
        Path run = tmp.resolve("run");
        Path log = tmp.resolve("train.log");
        assertEquals(0, run(log, 0, train(run, "--epochs", "1")), () -> read(log));
        Path ck = run.resolve("checkpoint.hvae");
        byte[] checkpoint = Files.readAllBytes(ck);
        byte[] metrics = Files.readAllBytes(run.resolve("metrics.csv"));

        Path csv = tmp.resolve("codes.csv");
        String[] encode = {"encode", "-c", run.toString(), "--data", "mnist-embedded", "--limit", "1000", "--device",
            "cpu", "--out", csv.toString()};
        assertEquals(0, run(tmp.resolve("encode.log"), 0, encode));
        byte[] codes = Files.readAllBytes(csv);
        assertTrue(codes.length > 40_000, "the CSV is larger than the limit below: " + codes.length);
        Path elog = tmp.resolve("encode-full.log");
        assertNotEquals(0, run(elog, 16, encode), "the write past the limit fails");
        assertTrue(read(elog).contains("hvae4j: error:") && read(elog).contains(csv.toString()), read(elog));
        assertArrayEquals(codes, Files.readAllBytes(csv), "the earlier CSV is intact");

        Path png = tmp.resolve("samples.png");
        String[] sample = {"sample", "-c", run.toString(), "--n", "64", "--device", "cpu", "--out", png.toString()};
        assertEquals(0, run(tmp.resolve("sample.log"), 0, sample));
        byte[] image = Files.readAllBytes(png);
        Path slog = tmp.resolve("sample-full.log");
        assertNotEquals(0, run(slog, Math.max(1, image.length / 1024 / 2), sample));
        assertTrue(read(slog).contains(png.toString()), read(slog));
        assertArrayEquals(image, Files.readAllBytes(png), "the earlier PNG is intact");

        // a resumed run whose checkpoint cannot be written stops with an error; the last good checkpoint survives
        Path tlog = tmp.resolve("train-full.log");
        assertNotEquals(0, run(tlog, checkpoint.length / 1024 / 2, "train", "--resume", run.toString(), "--epochs",
                "2", "--device", "cpu", "--plain"));
        assertTrue(read(tlog).contains("hvae4j: error:"), read(tlog));
        assertArrayEquals(checkpoint, Files.readAllBytes(ck), "the checkpoint is intact");
        try (Hvae m = Checkpoint.loadModel(ck, Backend.cpu())) {
            assertTrue(m.parameterCount() > 0);
        }
        assertArrayEquals(metrics, java.util.Arrays.copyOf(Files.readAllBytes(run.resolve("metrics.csv")),
                metrics.length), "the finished epoch's metrics row is still there");
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(0, files.filter(f -> f.getFileName().toString().contains(".tmp-")).count(),
                    "failed writes leave no temporary file");
        }
    }

    static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
