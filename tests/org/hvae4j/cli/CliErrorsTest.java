package org.hvae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.BackendUnavailableException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every mistake gets one line on stderr, "hvae4j: error: ...", and the exit code of its kind. */
class CliErrorsTest {
    @TempDir
    Path tmp;

    /** Runs, checks the code, that stderr is one error line containing {@code expected}, and returns it. */
    static String fails(int code, String expected, String... args) {
        Cli r = Cli.run(args);
        assertEquals(code, r.code(), r::toString);
        String err = r.err().strip();
        assertTrue(err.startsWith("hvae4j: error: "), r::toString);
        assertEquals(1, err.lines().count(), () -> "one line only: " + r);
        assertTrue(err.contains(expected), () -> "expected '" + expected + "' in: " + err);
        return err;
    }

    @Test
    void unknownFlag() {
        fails(Failures.USAGE, "Unknown option: '--bogus'", "train", "--bogus");
    }

    @Test
    void missingSubcommand() {
        fails(Failures.USAGE, "missing subcommand");
    }

    @Test
    void badValue() {
        fails(Failures.USAGE, "'-1' is not a positive integer", "train", "--batch", "-1");
        fails(Failures.USAGE, "--lr", "train", "--lr", "fast");
        fails(Failures.USAGE, "unknown objective 'elbow'", "train", "--objective", "elbow", "--limit", "100",
                "--device", "cpu", "--out", tmp.resolve("x").toString());
    }

    @Test
    void missingDataFile() {
        fails(Failures.DATA, "no-such.csv", "train", "--data", tmp.resolve("no-such.csv").toString(), "--device",
                "cpu");
    }

    @Test
    void corruptDataFile() throws IOException {
        Path csv = tmp.resolve("bad.csv");
        Files.writeString(csv, "a,b\n0.1,0.2\n0.3\n");
        fails(Failures.DATA, "bad.csv", "train", "--data", csv.toString(), "--device", "cpu");
        Path idx = tmp.resolve("train-images-idx3-ubyte");
        Files.write(idx, new byte[] {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3});
        fails(Failures.DATA, "train-images-idx3-ubyte", "train", "--data", idx.toString(), "--device", "cpu");
    }

    @Test
    void badConfiguration() throws IOException {
        Path unknown = tmp.resolve("unknown.yaml");
        Files.writeString(unknown, "training:\n  epochz: 3\n");
        fails(Failures.USAGE, "unknown training field 'epochz'", "train", "--config", unknown.toString(),
                "--limit", "100", "--device", "cpu");
        Path unknownModel = tmp.resolve("unknown-model.json");
        Files.writeString(unknownModel, "{\"model\": {\"latentz\": []}}");
        fails(Failures.USAGE, "unknown model field 'latentz'", "train", "--config", unknownModel.toString(),
                "--limit", "100", "--device", "cpu");
        Path yaml = tmp.resolve("broken.yaml");
        Files.writeString(yaml, "model:\n  latents: [\n    - size: 3\n");
        fails(Failures.USAGE, "is not valid YAML", "train", "--config", yaml.toString(), "--device", "cpu");
        fails(Failures.USAGE, "does not exist", "train", "--config", tmp.resolve("none.yaml").toString(),
                "--device", "cpu");
    }

    @Test
    void strictConfiguration() throws IOException {
        Path typo = tmp.resolve("typo.yaml");
        Files.writeString(typo, "model:\n  latents:\n    - {type: gaussian, size: 8, hiden: [500]}\n");
        fails(Failures.USAGE, "unknown field 'hiden' in latent 1", "train", "--config", typo.toString(), "--limit",
                "100", "--device", "cpu", "--out", tmp.resolve("o1").toString());
        fails(Failures.USAGE, "an estimator is chosen for Bernoulli latents only", "train", "--latent",
                "gaussian:8:st", "--limit", "100", "--device", "cpu", "--out", tmp.resolve("o2").toString());
        Path dup = tmp.resolve("dup.yaml");
        Files.writeString(dup, "training:\n  epochs: 3\n  batchSize: 50\n  epochs: 5\n");
        fails(Failures.USAGE, "Duplicate field 'epochs'", "train", "--config", dup.toString(), "--limit", "100",
                "--device", "cpu", "--out", tmp.resolve("o3").toString());
        for (String epochs : new String[] {"1.7", "0", "10000000000000"}) {
            Path bad = tmp.resolve("epochs-" + epochs + ".yaml");
            Files.writeString(bad, "training:\n  epochs: " + epochs + "\n");
            fails(Failures.USAGE, "training field 'epochs' must be an integer in [1, 2147483647], got", "train",
                    "--config", bad.toString(), "--limit", "100", "--device", "cpu", "--out",
                    tmp.resolve("o4").toString());
        }
        Path clip = tmp.resolve("clip.yaml");
        Files.writeString(clip, "training:\n  clipNorm: -1\n");
        fails(Failures.USAGE, "'clipNorm' must be > 0", "train", "--config", clip.toString(), "--limit", "100",
                "--device", "cpu", "--out", tmp.resolve("o5").toString());
    }

    @Test
    void aBinaryFileThatIsNotIdxIsNotReadAsCsv() throws IOException {
        Path bin = tmp.resolve("images.bin");
        Files.write(bin, new byte[] {0, 0, 9, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4});
        String err = fails(Failures.DATA, "images.bin", "train", "--data", bin.toString(), "--device", "cpu",
                "--out", tmp.resolve("o").toString());
        assertTrue(err.contains("magic 0x00000903"), err);
        assertTrue(err.chars().allMatch(ch -> ch >= 32 && ch < 127 || ch == '\n'), "no binary garbage: " + err);
    }

    @Test
    void evalAndScoreRefuseDataABernoulliModelCannotScore() throws IOException {
        Path run = tmp.resolve("run");
        Cli t = Cli.run("train", "--latents", "4", "--hidden", "16", "--limit", "200", "--epochs", "1", "--eval-k",
                "2", "--device", "cpu", "--plain", "--out", run.toString());
        assertEquals(0, t.code(), t::toString);
        Path csv = tmp.resolve("scaled.csv");
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 784; c++) {
                sb.append(c == 0 ? "" : ",").append(c == 10 ? "255" : "0");
            }
            sb.append('\n');
        }
        Files.writeString(csv, sb);
        fails(Failures.USAGE, "outside [0, 1]", "eval", "-c", run.toString(), "--data", csv.toString(), "--device",
                "cpu");
        fails(Failures.USAGE, "outside [0, 1]", "score", "-c", run.toString(), "--data", csv.toString(), "--device",
                "cpu", "--out", tmp.resolve("s.csv").toString());
    }

    /** A checkpoint whose last epoch applied no update still loads, with a warning that the run diverged. */
    @Test
    void aDivergedCheckpointIsUsedWithAWarning() {
        Path ck = tmp.resolve("diverged.hvae");
        org.hvae4j.model.TrainConfig wild = org.hvae4j.model.TrainConfig.defaults(8).withLearningRate(10)
                .withMaxBadSteps(1000);
        try (org.hvae4j.model.Hvae m = new org.hvae4j.model.Hvae(org.hvae4j.experiments.BurdaModels.twoLayer(),
                Backend.cpu(), 1); org.hvae4j.model.Trainer t = new org.hvae4j.model.Trainer(m, wild)) {
            t.fit(org.hvae4j.data.Datasets.embeddedMnist().head(300), ck);
        }
        Cli r = Cli.run("eval", "-c", ck.toString(), "--k", "2", "--limit", "50", "--device", "cpu");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().contains("hvae4j: warning: checkpoint " + ck + ": every step of its last epoch (3) was "
                + "skipped") && r.err().contains("the run diverged"), r::toString);
        assertTrue(r.out().contains("log-likelihood"), r::toString);
    }

    @Test
    void autoSaysWhyItUsesTheCpu() {
        Cli r = Cli.run("sample", "-c", tmp.resolve("none.hvae").toString());
        if (!Backend.auto().device().isCuda()) {
            assertTrue(r.out().contains("device auto: the CPU, as CUDA is not usable here ("), r::toString);
        }
    }

    @Test
    void cudaWithoutGpu() {
        boolean cuda;
        try {
            Backend.byName("cuda");
            cuda = true;
        } catch (BackendUnavailableException e) {
            cuda = false;
        }
        Assumptions.assumeFalse(cuda, "this machine has a usable GPU");
        String err = fails(Failures.DEVICE, "CUDA", "train", "--device", "cuda", "--limit", "100");
        assertFalse(err.contains("Exception"), err);
    }

    @Test
    void corruptCheckpoint() throws IOException {
        Path ckpt = tmp.resolve("checkpoint.hvae");
        Files.writeString(ckpt, "this is not a checkpoint");
        fails(Failures.DATA, "is unusable", "eval", "-c", ckpt.toString(), "--device", "cpu", "--limit", "10");
        fails(Failures.DATA, "no such checkpoint", "eval", "-c", tmp.resolve("none.hvae").toString(), "--device",
                "cpu");
    }

    @Test
    void verbosePrintsTheStackTrace() {
        Cli r = Cli.run("eval", "-c", tmp.resolve("none.hvae").toString(), "--device", "cpu", "--verbose");
        assertEquals(Failures.DATA, r.code());
        assertTrue(r.err().contains("\tat org.hvae4j."), r::toString);
    }
}
