package org.hvae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Train a tiny model once from a YAML configuration, then use its run directory with every command. */
class CliEndToEndTest {
    @TempDir
    static Path tmp;
    static Path run;
    static final String[] DATA = {"--data", "mnist-embedded", "--limit", "300", "--device", "cpu"};

    @BeforeAll
    static void train() throws IOException {
        Path config = tmp.resolve("tiny.yaml");
        Files.writeString(config, """
                model:
                  latents:
                    - {type: gaussian, size: 8, hidden: [32]}
                  activation: tanh
                training:
                  epochs: 3
                  batchSize: 50
                  learningRate: 0.001
                """);
        run = tmp.resolve("run");
        Cli r = Cli.run(concat(new String[] {"train", "--config", config.toString(), "--epochs", "1", "--eval-k", "5",
                "--eval-n", "30", "--out", run.toString()}, DATA));
        assertEquals(0, r.code(), r::toString);
    }

    static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void trainWritesTheRunDirectory() throws IOException {
        for (String f : List.of("metrics.csv", "summary.json", "checkpoint.hvae")) {
            assertTrue(Files.size(run.resolve(f)) > 0, f);
        }
        for (String png : List.of("samples.png", "reconstructions.png", "curves.png")) {
            assertNotNull(ImageIO.read(run.resolve(png).toFile()), png + " decodes");
        }
        List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(2, csv.size(), "header and one epoch");
        assertTrue(csv.get(0).contains("train_objective") && csv.get(0).contains("kl_z1")
                && csv.get(0).contains("test_elbo"), csv.get(0));
        Map<?, ?> summary = new ObjectMapper().readValue(run.resolve("summary.json").toFile(), Map.class);
        Map<?, ?> eval = (Map<?, ?>) summary.get("evaluation");
        assertTrue(((Number) eval.get("logLikelihood")).doubleValue() < 0, summary::toString);
        assertEquals(5, eval.get("k"));
        assertEquals(1, summary.get("epochs"));
        Map<?, ?> model = (Map<?, ?>) ((Map<?, ?>) summary.get("config")).get("model");
        assertEquals("bernoulli-binarized", String.valueOf(model.get("likelihood")).toLowerCase());
        assertTrue(((Number) summary.get("parameters")).longValue() > 0);
    }

    @Test
    void evalPrintsLikelihoodKlAndActiveUnits() {
        Cli r = Cli.run(concat(new String[] {"eval", "-c", run.toString(), "--k", "5"}, DATA));
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("log-likelihood") && r.out().contains("KL z1")
                && r.out().contains("active units z1"), r::toString);
        Cli json = Cli.run(concat(new String[] {"eval", "-c", run.toString(), "--k", "2", "--json"}, DATA));
        assertEquals(0, json.code(), json::toString);
        assertTrue(json.out().strip().startsWith("{\"data\""), json::toString);
    }

    @Test
    void skipAndLimitChooseTheExamplesAndSkippingThemAllIsRefused() throws IOException {
        String[] data = {"--data", "mnist-embedded", "--device", "cpu"};
        Cli part = Cli.run(concat(new String[] {"eval", "-c", run.toString(), "--k", "2", "--json", "--skip", "9990",
            "--limit", "5"}, data));
        assertEquals(0, part.code(), part::toString);
        Map<?, ?> m = new ObjectMapper().readValue(part.out().strip(), Map.class);
        assertTrue(String.valueOf(m.get("data")).endsWith("[9990:9995]"), m.toString());
        Cli rest = Cli.run(concat(new String[] {"eval", "-c", run.toString(), "--k", "2", "--json", "--skip", "9990"},
                data));
        assertEquals(0, rest.code(), rest::toString);
        assertTrue(String.valueOf(new ObjectMapper().readValue(rest.out().strip(), Map.class).get("data"))
                .endsWith("[9990:10000]"), rest::toString);
        Cli none = Cli.run(concat(new String[] {"eval", "-c", run.toString(), "--skip", "10000"}, data));
        assertNotEquals(0, none.code());
        assertTrue(none.err().contains("--skip 10000 leaves none of the 10000 examples of mnist-embedded"),
                none::toString);
    }

    @Test
    void evalWorkersChangeNothingButTheTime() throws IOException {
        Object[] ll = new Object[2];
        for (int w = 1; w <= 2; w++) {
            Cli r = Cli.run(concat(new String[] {"eval", "-c", run.toString(), "--k", "3", "--json", "--workers",
                    String.valueOf(w)}, DATA));
            assertEquals(0, r.code(), r::toString);
            ll[w - 1] = new ObjectMapper().readValue(r.out().strip(), Map.class).get("logLikelihood");
        }
        assertEquals(ll[0], ll[1]);
        // --progress reports on stderr and ends at the mean that stdout prints, without changing it.
        Cli p = Cli.run(concat(new String[] {"eval", "-c", run.toString(), "--k", "3", "--json", "--workers", "2",
                "--progress"}, DATA));
        assertEquals(0, p.code(), p::toString);
        assertEquals(ll[0], new ObjectMapper().readValue(p.out().strip(), Map.class).get("logLikelihood"));
        String last = p.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("eval log p(x), k=3  done") && last.contains(
                String.format(java.util.Locale.ROOT, "log p(x) %.2f", (Double) ll[0])), p::toString);
        Cli bad = Cli.run(concat(new String[] {"eval", "-c", run.toString(), "--workers", "0"}, DATA));
        assertEquals(Failures.USAGE, bad.code(), bad::toString);
        assertTrue(bad.err().contains("--workers must be >= 1, got 0"), bad::toString);
    }

    @Test
    void sampleReconstructEncodeScore() throws IOException {
        Path png = tmp.resolve("s.png");
        Cli s = Cli.run("sample", "-c", run.resolve("checkpoint.hvae").toString(), "--n", "16", "--out",
                png.toString(), "--device", "cpu");
        assertEquals(0, s.code(), s::toString);
        assertNotNull(ImageIO.read(png.toFile()));

        Path rec = tmp.resolve("r.png");
        Cli r = Cli.run(concat(new String[] {"reconstruct", "-c", run.toString(), "--n", "8", "--out",
                rec.toString()}, DATA));
        assertEquals(0, r.code(), r::toString);
        assertNotNull(ImageIO.read(rec.toFile()));

        Path enc = tmp.resolve("enc.csv");
        Cli e = Cli.run(concat(new String[] {"encode", "-c", run.toString(), "--out", enc.toString()}, DATA));
        assertEquals(0, e.code(), e::toString);
        List<String> lines = Files.readAllLines(enc);
        assertEquals(301, lines.size());
        assertEquals("index,label,z1_0,z1_1,z1_2,z1_3,z1_4,z1_5,z1_6,z1_7", lines.get(0));

        Path scores = tmp.resolve("scores.csv");
        Cli sc = Cli.run(concat(new String[] {"score", "-c", run.toString(), "--k", "3", "--out",
                scores.toString()}, DATA));
        assertEquals(0, sc.code(), sc::toString);
        List<String> sl = Files.readAllLines(scores);
        assertEquals("index,label,score", sl.get(0));
        assertEquals(301, sl.size());
        assertTrue(Double.parseDouble(sl.get(1).split(",")[2]) > 0, "-log p(x) of a binarized digit is positive");
    }

    @Test
    void diagnoseWritesGapsThatAddUp() throws IOException {
        Path csv = tmp.resolve("gaps.csv");
        String[] args = {"diagnose", "-c", run.toString(), "--data", "mnist-embedded", "--device", "cpu", "--k", "50",
            "--elbo-samples", "100", "--out", csv.toString()};
        Cli r = Cli.run(concat(args, new String[] {"--limit", "20", "--steps", "200"}));
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("approximation gap") && r.out().contains("amortization gap")
                && r.out().contains("local parameters    z1's posterior parameters"), r::toString);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(21, lines.size());
        List<String> header = List.of(lines.get(0).split(","));
        assertEquals(List.of("index", "label", "log_p_x", "elbo_q", "elbo_q_se", "elbo_qstar", "elbo_qstar_se",
                "total_gap", "approximation_gap", "amortization_gap", "reconstruction_q", "reconstruction_qstar",
                "kl_z1_q", "kl_z1_qstar", "steps", "converged", "from_prior"), header);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            double total = Double.parseDouble(f[7]), approx = Double.parseDouble(f[8]),
                    amort = Double.parseDouble(f[9]);
            assertEquals(total, approx + amort, 1e-4 * Math.max(1, Math.abs(total)), line);
            assertTrue(amort >= 0, "ELBO(q*) is never below ELBO(q) on the same noise: " + line);
        }
        Cli json = Cli.run(concat(args, new String[] {"--json", "--limit", "2", "--steps", "10"}));
        assertEquals(0, json.code(), json::toString);
        Map<?, ?> m = new ObjectMapper().readValue(json.out().strip(), Map.class);
        assertEquals(2, m.get("examples"));
        assertTrue(((Map<?, ?>) m.get("approximation_gap")).containsKey("se"), json::toString);
        Cli bad = Cli.run(concat(args, new String[] {"--limit", "2", "--samples", "1"}));
        assertEquals(2, bad.code(), bad::toString);
        assertTrue(bad.err().contains("--samples") && bad.err().contains("'1' is not an integer >= 2"), bad::toString);
    }

    @Test
    void resumeContinuesTheRun() throws IOException {
        Path copy = tmp.resolve("resumed");
        Files.createDirectories(copy);
        Files.copy(run.resolve("checkpoint.hvae"), copy.resolve("checkpoint.hvae"));
        Files.copy(run.resolve("metrics.csv"), copy.resolve("metrics.csv"));
        Cli r = Cli.run(concat(new String[] {"train", "--resume", copy.toString(), "--epochs", "2", "--eval-k", "3",
                "--eval-n", "20"}, DATA));
        assertEquals(0, r.code(), r::toString);
        List<String> csv = Files.readAllLines(copy.resolve("metrics.csv"));
        assertEquals(3, csv.size(), "the first epoch's row is kept and the second appended: " + csv);
        Map<?, ?> summary = new ObjectMapper().readValue(copy.resolve("summary.json").toFile(), Map.class);
        assertEquals(2, summary.get("epochs"));
        assertEquals(10, ((Number) summary.get("steps")).intValue(), "270 training rows, batch 50: 5 steps/epoch");
    }

    @Test
    void resumeRefusesFlagsThatWouldChangeTheRun() throws IOException {
        Path copy = tmp.resolve("resumed-refused");
        Files.createDirectories(copy);
        Files.copy(run.resolve("checkpoint.hvae"), copy.resolve("checkpoint.hvae"));
        String err = CliErrorsTest.fails(Failures.USAGE, "--batch, --lr, --model cannot be given with it",
                concat(new String[] {"train", "--resume", copy.toString(), "--epochs", "2", "--lr", "0.01",
                        "--batch", "10", "--model", "g1"}, DATA));
        assertTrue(err.contains("start a new run"), err);
        assertTrue(Files.notExists(copy.resolve("metrics.csv")), "nothing was trained");
    }
}
