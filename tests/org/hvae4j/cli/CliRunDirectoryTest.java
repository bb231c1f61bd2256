package org.hvae4j.cli;

import static org.hvae4j.cli.CliEndToEndTest.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hvae4j.model.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run directory belongs to one run and one process: a second {@code train} is refused while the first holds it,
 * an existing run is not overwritten by accident, and a resumed run keeps the data it was trained on.
 */
class CliRunDirectoryTest {
    @TempDir
    static Path tmp;
    static Path run;
    static final String[] TINY = {"--latents", "4", "--hidden", "16", "--batch", "50", "--eval-k", "2", "--eval-n",
        "20", "--device", "cpu", "--plain"};

    /** One epoch on 300 of the embedded digits (270 training rows after the 10% holdout: 5 steps per epoch). */
    @BeforeAll
    static void train() {
        run = tmp.resolve("run");
        Cli r = Cli.run(concat(new String[] {"train", "--data", "mnist-embedded", "--limit", "300", "--epochs", "1",
                "--out", run.toString()}, TINY));
        assertEquals(0, r.code(), r::toString);
    }

    static Path copyOfRun(String name) throws IOException {
        Path copy = tmp.resolve(name);
        Files.createDirectories(copy);
        for (String f : List.of("checkpoint.hvae", "metrics.csv", "summary.json")) {
            Files.copy(run.resolve(f), copy.resolve(f));
        }
        return copy;
    }

    static Map<?, ?> summary(Path dir) throws IOException {
        return new ObjectMapper().readValue(dir.resolve("summary.json").toFile(), Map.class);
    }

    @Test
    void theCheckpointRecordsItsData() {
        Map<String, Object> info = Checkpoint.info(run.resolve("checkpoint.hvae")).run();
        assertEquals("mnist-embedded", info.get("data"));
        assertEquals(300, ((Number) info.get("limit")).intValue());
    }

    @Test
    void resumeWithoutDataOptionsTrainsOnTheRunsData() throws IOException {
        Path copy = copyOfRun("resume-same-data");
        Cli r = Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--device", "cpu", "--plain");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("data mnist-embedded (--limit 300): 270 training examples"), r::toString);
        assertTrue(r.out().contains("step 10/10  100.0%"), "the progress line counts the run's own steps: " + r);
        Map<?, ?> config = (Map<?, ?>) summary(copy).get("config");
        assertEquals(270, config.get("trainingExamples"));
        assertEquals(10, ((Number) summary(copy).get("steps")).intValue());
    }

    @Test
    void resumeRefusesOtherData() throws IOException {
        Path copy = copyOfRun("resume-other-data");
        byte[] before = Files.readAllBytes(copy.resolve("checkpoint.hvae"));
        String err = CliErrorsTest.fails(Failures.USAGE, "--limit 200 (the run's: 300) differs", "train", "--resume",
                copy.toString(), "--epochs", "2", "--limit", "200", "--device", "cpu");
        assertTrue(err.contains("trained on"), err);
        CliErrorsTest.fails(Failures.USAGE, "--data fashion-mnist (the run's: mnist-embedded)", "train", "--resume",
                copy.toString(), "--epochs", "2", "--data", "fashion-mnist", "--device", "cpu");
        CliErrorsTest.fails(Failures.USAGE, "--skip 100 (the run's: none) differs", "train", "--resume",
                copy.toString(), "--epochs", "2", "--skip", "100", "--device", "cpu");
        assertArrayEquals(before, Files.readAllBytes(copy.resolve("checkpoint.hvae")));
        // the same values given again are fine
        Cli r = Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--data", "mnist-embedded", "--limit",
                "300", "--device", "cpu", "--plain");
        assertEquals(0, r.code(), r::toString);
    }

    @Test
    void nothingToTrainLeavesTheRunAlone() throws IOException {
        Path copy = copyOfRun("resume-nothing");
        byte[] summary = Files.readAllBytes(copy.resolve("summary.json"));
        byte[] ck = Files.readAllBytes(copy.resolve("checkpoint.hvae"));
        Cli r = Cli.run("train", "--resume", copy.toString(), "--device", "cpu", "--plain");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("nothing to train") && r.out().contains("unchanged"), r::toString);
        assertArrayEquals(summary, Files.readAllBytes(copy.resolve("summary.json")));
        assertArrayEquals(ck, Files.readAllBytes(copy.resolve("checkpoint.hvae")));
    }

    @Test
    void anExistingRunIsNotOverwrittenByAccident() throws IOException {
        Path copy = copyOfRun("existing");
        byte[] ck = Files.readAllBytes(copy.resolve("checkpoint.hvae"));
        String err = CliErrorsTest.fails(Failures.USAGE, "already holds a run", concat(new String[] {"train",
            "--limit", "300", "--epochs", "1", "--out", copy.toString()}, TINY));
        assertTrue(err.contains("--resume") && err.contains("--overwrite"), err);
        assertArrayEquals(ck, Files.readAllBytes(copy.resolve("checkpoint.hvae")));

        Cli r = Cli.run(concat(new String[] {"train", "--limit", "300", "--epochs", "1", "--seed", "5",
            "--overwrite", "--out", copy.toString()}, TINY));
        assertEquals(0, r.code(), r::toString);
        assertFalse(java.util.Arrays.equals(ck, Files.readAllBytes(copy.resolve("checkpoint.hvae"))),
                "--overwrite replaces the run");
        assertEquals(2, Files.readAllLines(copy.resolve("metrics.csv")).size());
    }

    @Test
    void aRunDirectoryInUseIsRefusedNamingItsOwner() throws IOException {
        Path dir = tmp.resolve("busy");
        try (RunDirectory held = RunDirectory.claim(dir)) {
            String err = CliErrorsTest.fails(Failures.USAGE, "is in use by another training process",
                    concat(new String[] {"train", "--limit", "300", "--epochs", "1", "--out", dir.toString()}, TINY));
            assertTrue(err.contains("process " + ProcessHandle.current().pid()), err);
            assertFalse(Files.exists(dir.resolve("metrics.csv")), "the refused run wrote nothing");
        }
        // released: the directory can be used again
        Cli r = Cli.run(concat(new String[] {"train", "--limit", "300", "--epochs", "1", "--out", dir.toString()},
                TINY));
        assertEquals(0, r.code(), r::toString);
    }

    @Test
    void aRunThatFailsBeforeWritingLeavesNoDirectory() {
        Path dir = tmp.resolve("never");
        CliErrorsTest.fails(Failures.USAGE, "unknown objective", concat(new String[] {"train", "--limit", "300",
            "--objective", "elbow", "--out", dir.toString()}, TINY));
        assertFalse(Files.exists(dir), "no empty run directory is left behind");
    }

    @Test
    void staleTemporaryFilesOfKilledWritersAreRemoved() throws IOException {
        Path copy = copyOfRun("stale");
        // a process id that no longer runs: a child that has ended
        Process p = new ProcessBuilder("true").start();
        long dead = p.toHandle().pid();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Path stale = copy.resolve(".checkpoint.hvae.tmp-" + dead + "-abc");
        Files.write(stale, new byte[1000]);
        Path live = copy.resolve(".metrics.csv.tmp-" + ProcessHandle.current().pid() + "-def");
        Files.write(live, new byte[10]);
        try (RunDirectory d = RunDirectory.claim(copy)) {
            assertFalse(Files.exists(stale), "a dead writer's temporary file is removed");
            assertTrue(Files.exists(live), "a running process's temporary file is left alone");
        }
        Files.delete(live);
    }
}
