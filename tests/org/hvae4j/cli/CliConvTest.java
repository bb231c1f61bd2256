package org.hvae4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A convolutional hierarchy through the program: train (from a configuration file with conv cells), resume, eval,
 * sample, reconstruct, encode, score and the safetensors export, on 28 x 28 digits; and the preset refusing data that
 * are not 28 x 28 images.
 */
class CliConvTest {
    @TempDir
    Path tmp;

    static final String[] DATA = {"--data", "mnist-embedded", "--limit", "120", "--device", "cpu"};

    static String[] with(String[] a, String... more) {
        String[] c = java.util.Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, c, a.length, more.length);
        return c;
    }

    @ParameterizedTest(name = "top-down state {0}, batch norm {1}")
    @CsvSource({"false,false", "true,false", "false,true"})
    void everyCommandRunsOnAConvolutionalModel(boolean state, boolean batchNorm) throws IOException {
        Path config = tmp.resolve("conv.yaml");
        Files.writeString(config, """
                model:
                  topDownState: %s
                  inference: residual
                  activation: silu
                  latents:
                    - {type: gaussian, size: 98, cell: {type: conv, height: 14, width: 14, channels: 8, cells: 1, resample: down}}
                    - {type: gaussian, size: 392, cell: {type: conv, height: 28, width: 28, channels: 8, cells: 1, resample: down, expand: 2}}
                training:
                  batchSize: 40
                """.formatted(state));
        Path run = tmp.resolve("run");
        String[] train = with(new String[] {"train", "--config", config.toString(), "--epochs", "1", "--eval-k", "3",
            "--eval-n", "20", "--export-safetensors", "--out", run.toString()}, DATA);
        if (batchNorm) {
            train = with(train, "--batch-norm");
        }
        Cli t = Cli.run(state ? with(train, "--data-init") : train);   // one of them from a data-dependent start
        assertEquals(0, t.code(), t::toString);
        assertEquals(state, t.out().matches("(?s).*data-dependent initialization: \\d+ convolutions on the first 40 "
                + "training examples.*"), t.out());
        for (String png : List.of("samples.png", "reconstructions.png", "curves.png")) {
            assertNotNull(ImageIO.read(run.resolve(png).toFile()), png + " decodes");
        }
        assertTrue(Files.size(run.resolve("model.safetensors")) > 0);
        String summary = Files.readString(run.resolve("summary.json"));
        assertTrue(summary.contains("\"type\" : \"conv\"") || summary.contains("\"type\":\"conv\""), summary);
        assertEquals(state, summary.contains("topDownState"), summary);
        assertEquals(batchNorm, summary.matches("(?s).*\"norm\" ?: ?\"batch\".*"), summary);
        Cli resumed = Cli.run(with(new String[] {"train", "--resume", run.toString(), "--epochs", "2", "--eval-k", "2",
            "--eval-n", "20"}, DATA));
        assertEquals(0, resumed.code(), resumed::toString);
        Cli again = Cli.run(with(new String[] {"train", "--resume", run.toString(), "--epochs", "3", "--data-init"},
            DATA));
        assertNotEquals(0, again.code());
        assertTrue(again.err().contains("--data-init cannot be given with it"), again.err());
        Cli e = Cli.run(with(new String[] {"eval", "-c", run.toString(), "--k", "3"}, DATA));
        assertEquals(0, e.code(), e::toString);
        assertTrue(e.out().contains("KL z2"), e.out());   // per-group KL
        Cli s = Cli.run("sample", "-c", run.toString(), "--n", "8", "--out", tmp.resolve("s.png").toString());
        assertEquals(0, s.code(), s::toString);
        assertNotNull(ImageIO.read(tmp.resolve("s.png").toFile()));
        Cli r = Cli.run(with(new String[] {"reconstruct", "-c", run.toString(), "--n", "4", "--out",
            tmp.resolve("r.png").toString()}, DATA));
        assertEquals(0, r.code(), r::toString);
        Cli enc = Cli.run(with(new String[] {"encode", "-c", run.toString(), "--out", tmp.resolve("z.csv").toString()},
            DATA));
        assertEquals(0, enc.code(), enc::toString);
        Cli sc = Cli.run(with(new String[] {"score", "-c", run.toString(), "--k", "2", "--out",
            tmp.resolve("scores.csv").toString()}, DATA));
        assertEquals(0, sc.code(), sc::toString);
        assertEquals(121, Files.readAllLines(tmp.resolve("scores.csv")).size());
    }

    @Test
    void batchNormOnAModelWithoutConvolutionsIsRefused() {
        Cli t = Cli.run(with(new String[] {"train", "--model", "g1", "--batch-norm", "--epochs", "1", "--out",
            tmp.resolve("run").toString()}, DATA));
        assertNotEquals(0, t.code());
        assertTrue(t.err().contains("--batch-norm applies to convolutional models"), t.err());
    }

    @Test
    void theConvPresetRefusesDataThatAreNot28x28Images() throws IOException {
        Path csv = tmp.resolve("d.csv");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            b.append("0.1,0.2,0.3,0.4,0.5\n");
        }
        Files.writeString(csv, b.toString());
        Cli t = Cli.run("train", "--model", "conv", "--data", csv.toString(), "--epochs", "1", "--device", "cpu",
                "--out", tmp.resolve("run").toString());
        assertNotEquals(0, t.code());
        assertTrue(t.err().contains("the observed x (5 values) is not an image of 28x28"), t.err());
    }
}
