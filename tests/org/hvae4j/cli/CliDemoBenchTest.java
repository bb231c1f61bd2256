package org.hvae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        double truth = ((Number) s.get("trueMeanLogDensity")).doubleValue();
        for (String model : new String[] {"one-level", "two-level"}) {
            double ll = ((Number) ((Map<?, ?>) s.get(model)).get("testLogLikelihood")).doubleValue();
            assertTrue(ll < truth + 0.2, model + " cannot beat the true density by much: " + ll + " vs " + truth);
        }
        assertTrue(r.out().contains("true mean log density"), r::toString);
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
