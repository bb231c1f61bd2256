package org.hvae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo and the benchmark, run very short. */
class CliDemoBenchTest {
    @TempDir
    Path tmp;

    @Test
    void demoWritesScatterAndSummary() throws IOException {
        Cli r = Cli.run("demo", "--steps", "100", "--n", "1000", "--k", "5", "--device", "cpu", "--out",
                tmp.toString());
        assertEquals(0, r.code(), r::toString);
        assertNotNull(ImageIO.read(tmp.resolve("demo-scatter.png").toFile()));
        Map<?, ?> s = new ObjectMapper().readValue(tmp.resolve("summary.json").toFile(), Map.class);
        double truth = ((Number) s.get("trueMeanConditionalLogDensity")).doubleValue();
        double marginal = ((Number) s.get("trueMeanLogDensity")).doubleValue();
        assertEquals(marginal + Math.log(3), truth, 0.01, "three well-separated clusters: log p(x|c) = log p(x) + log 3");
        for (String model : new String[] {"one-level", "two-level", "one-level-discrete"}) {
            Map<?, ?> m = (Map<?, ?>) s.get(model);
            double ll = ((Number) m.get("testLogLikelihood")).doubleValue();
            assertTrue(ll < truth + 0.2, model + " cannot beat the true density by much: " + ll + " vs " + truth);
            assertTrue(((Number) m.get("parameters")).longValue() > 0, model + " has parameters");
        }
        assertTrue(r.out().contains("true mean log p(x|c)"), r::toString);
        Cli without = Cli.run("demo", "--steps", "10", "--n", "200", "--k", "2", "--no-control", "--estimator",
                "st-gumbel:1", "--inference", "residual", "--device", "cpu", "--out", tmp.resolve("b").toString());
        assertEquals(0, without.code(), without::toString);
        Map<?, ?> s2 = new ObjectMapper().readValue(tmp.resolve("b/summary.json").toFile(), Map.class);
        assertFalse(s2.containsKey("one-level-discrete"), s2::toString);
        Cli ladder = Cli.run("demo", "--inference", "ladder", "--device", "cpu", "--out", tmp.resolve("c").toString());
        assertEquals(2, ladder.code(), ladder::toString);
    }

    @Test
    void benchPrintsOneJsonLinePerConfiguration() throws IOException {
        Cli r = Cli.run("bench", "--model", "g1", "--objective", "elbo,iwae:2", "--batch", "50", "--seconds", "0.2",
                "--repeats", "2", "--warmup", "1", "--limit", "200", "--device", "cpu", "--json");
        assertEquals(0, r.code(), r::toString);
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r::toString);
        Map<?, ?> m = new ObjectMapper().readValue(lines[1], Map.class);
        assertEquals("iwae:2", m.get("objective"));
        double median = ((Number) m.get("examplesPerSecondMedian")).doubleValue();
        assertTrue(median > 0 && median >= ((Number) m.get("examplesPerSecondMin")).doubleValue(), lines[1]);
        Cli text = Cli.run("bench", "--batch", "50", "--seconds", "0.2", "--repeats", "1", "--warmup", "0",
                "--limit", "100", "--device", "cpu");
        assertEquals(0, text.code(), text::toString);
        assertTrue(text.out().contains("ex/s median"), text::toString);
    }
}
