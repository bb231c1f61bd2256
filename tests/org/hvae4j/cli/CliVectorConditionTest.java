package org.hvae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model conditioned on vectors from the command line: a CSV whose last two columns are each row's condition
 * ({@code #conditions=2}), trained with {@code --conditional}, evaluated, encoded, and sampled with
 * {@code --condition}.
 */
class CliVectorConditionTest {
    @TempDir
    Path tmp;

    /** 16 binary pixels whose first half is on when the condition's first value is 1, plus the two conditions. */
    Path csv() throws IOException {
        SplittableRandom r = new SplittableRandom(3);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            int a = i % 2, b = (i / 2) % 2;
            for (int j = 0; j < 16; j++) {
                double p = (j < 8) == (a == 1) ? 0.9 : 0.1;
                s.append(r.nextDouble() < p ? "1" : "0").append(',');
            }
            s.append(a).append(',').append(b).append('\n');
        }
        Path f = tmp.resolve("cond.csv");
        Files.writeString(f, s.toString());
        return f;
    }

    @Test
    void trainEvalEncodeAndSampleAModelConditionedOnVectors() throws IOException {
        String data = csv() + "#conditions=2";
        Path run = tmp.resolve("run");
        Cli t = Cli.run("train", "--data", data, "--conditional", "--latents", "4", "--hidden", "16", "--epochs", "3",
                "--batch", "50", "--eval-k", "5", "--out", run.toString(), "--device", "cpu");
        assertEquals(0, t.code(), t::toString);
        String summary = Files.readString(run.resolve("summary.json")).replaceAll("\\s", "");
        assertTrue(summary.contains("\"conditioning\":2") && summary.contains("\"conditioningOneHot\":false"), summary);
        Cli e = Cli.run("eval", "-c", run.toString(), "--data", data, "--k", "5", "--device", "cpu");
        assertEquals(0, e.code(), e::toString);
        Path codes = tmp.resolve("codes.csv");
        Cli enc = Cli.run("encode", "-c", run.toString(), "--data", data, "--out", codes.toString(), "--device", "cpu");
        assertEquals(0, enc.code(), enc::toString);
        assertEquals(401, Files.readAllLines(codes).size(), "a header and 400 rows");
        Path samples = tmp.resolve("samples.csv");
        Cli s = Cli.run("sample", "-c", run.toString(), "--n", "200", "--condition", "1,0", "--out",
                samples.toString(), "--device", "cpu");
        assertEquals(0, s.code(), s::toString);
        // Conditioned on a = 1, the samples' first half is mostly on and their second half mostly off.
        double first = 0, second = 0;
        List<String> lines = Files.readAllLines(samples);
        for (String line : lines.subList(1, lines.size())) {
            String[] v = line.split(",");
            for (int j = 0; j < 16; j++) {
                double x = Double.parseDouble(v[j]);
                if (j < 8) {
                    first += x;
                } else {
                    second += x;
                }
            }
        }
        assertTrue(first > second + 200, String.format(Locale.ROOT, "first half %.1f, second half %.1f", first,
                second));
        Cli missing = Cli.run("sample", "-c", run.toString(), "--out", samples.toString(), "--device", "cpu");
        assertTrue(missing.code() != 0 && missing.err().contains("--condition"), missing::toString);
    }
}
