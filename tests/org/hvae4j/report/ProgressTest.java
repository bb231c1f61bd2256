package org.hvae4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void plainModePrintsBoundedLinesWithTheFields() {
        // 6000 steps of 128 examples, 4 ms each: 24 s in all, lines at most every 10 s
        Progress p = Progress.builder("train", 6000).examplesPerStep(128).epochs(10).plain(true)
                .output(out).clock(nanos::get).start();
        assertTrue(p.isPlain());
        for (int i = 0; i < 6000; i++) {
            nanos.addAndGet(4_000_000L);
            p.step(Map.of("elbo", -105.32 + i * 1e-4));
        }
        p.close();
        p.close(); // idempotent
        List<String> lines = lines();
        assertEquals("train: 6,000 steps in 10 epochs, 128 examples/step", lines.get(0));
        assertEquals(4, lines.size(), "header, lines at 10 s and 20 s, final: " + lines);

        // at 10 s: step 2500 of 6000, epoch 5 (600 steps per epoch), 250 steps/s = 32,000 ex/s, 3500 steps left = 14 s
        assertEquals("train  epoch 5/10  step 2500/6000  41.7%  elbo -105.07  32,000 ex/s  eta 0:00:14", lines.get(1));
        Pattern periodic = Pattern.compile(
                "train {2}epoch \\d+/10 {2}step \\d+/6000 {2}\\d+\\.\\d% {2}elbo -?\\d+\\.\\d\\d {2}[\\d,]+ ex/s {2}eta \\d+:\\d\\d:\\d\\d");
        assertTrue(periodic.matcher(lines.get(2)).matches(), lines.get(2));
        assertEquals("train  done  epoch 10/10  step 6000/6000  100.0%  elbo -104.72  32,000 ex/s  elapsed 0:00:24",
                lines.get(3));
    }

    @Test
    void plainModeNeverSpamsHowEverFastTheSteps() {
        Progress p = Progress.builder("fit", 1_000_000).plain(true).interval(Duration.ofSeconds(5))
                .output(out).clock(nanos::get).start();
        for (int i = 0; i < 1_000_000; i++) {
            nanos.addAndGet(50_000L); // 50 µs a step: 50 s in all
            p.step(null);
        }
        p.close();
        List<String> lines = lines();
        assertTrue(lines.size() <= 1 + 10 + 1, "at most header + one per 5 s + final, got " + lines.size());
        assertTrue(lines.get(1).contains("steps/s"), lines.get(1));
        assertFalse(lines.get(1).contains("epoch"), lines.get(1));
        assertTrue(lines.get(lines.size() - 1).startsWith("fit  done  step 1000000/1000000  100.0%"),
                lines.get(lines.size() - 1));
    }

    @Test
    void stoppedEarlyAndResumed() {
        Progress p = Progress.builder("train", 100).examplesPerStep(10).startAt(40).plain(true)
                .output(out).clock(nanos::get).start();
        nanos.addAndGet(2_000_000_000L);
        Map<String, Double> shown = new LinkedHashMap<>(); // shown in the map's order
        shown.put("elbo", -1.0);
        shown.put("kl", 0.001234);
        p.step(20, shown);
        p.close();
        assertThrows(IllegalStateException.class, () -> p.step(null));
        List<String> lines = lines();
        assertEquals("train: 100 steps, 10 examples/step, resuming at step 40", lines.get(0));
        assertEquals("train  stopped  step 60/100  60.0%  elbo -1.00  kl 0.00123  100 ex/s  elapsed 0:00:02",
                lines.get(1));
    }

    @Test
    void barModeRendersToTheGivenStream() {
        try (Progress p = Progress.builder("train", 10).examplesPerStep(32).epochs(2).mode(Progress.Mode.BAR)
                .output(out).clock(nanos::get).start()) {
            assertFalse(p.isPlain());
            nanos.addAndGet(1_000_000_000L);
            p.step(Map.of("elbo", -95.0));
            assertEquals("epoch 1/2  elbo -95.00  32.0 ex/s", p.barMessage());
            nanos.addAndGet(100_000_000L);
            p.step(Map.of("elbo", -94.0));
            assertEquals("epoch 1/2  elbo -95.00  32.0 ex/s", p.barMessage(), "updated at most every 250 ms");
            for (int i = 2; i < 10; i++) {
                nanos.addAndGet(100_000_000L);
                p.step(Map.of("elbo", -90.0));
            }
            assertEquals("epoch 2/2  elbo -90.00  168 ex/s", p.barMessage()); // 320 examples in 1.9 s
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("train"), text);
        assertTrue(text.contains("10/10"), text);
        assertTrue(text.contains("elbo -90.00"), text);
    }

    @Test
    void argumentsChecked() {
        assertThrows(IllegalArgumentException.class, () -> Progress.builder("t", 0));
        assertThrows(IllegalArgumentException.class, () -> Progress.builder(" ", 5));
        assertThrows(IllegalArgumentException.class, () -> Progress.builder("t", 5).epochs(6));
        assertThrows(IllegalArgumentException.class, () -> Progress.builder("t", 5).examplesPerStep(-1));
        assertThrows(IllegalArgumentException.class, () -> Progress.builder("t", 5).interval(Duration.ZERO));
        assertEquals("1:01:01", Progress.clockTime(3661));
        assertEquals("?", Progress.clockTime(Double.POSITIVE_INFINITY));
        assertEquals("1.23e+06", Progress.number(1234567.0));
        assertEquals("nan", Progress.number(Double.NaN));
    }
}
