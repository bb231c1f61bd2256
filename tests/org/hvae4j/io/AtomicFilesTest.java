package org.hvae4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private static void text(Path p, String s) throws IOException {
        AtomicFiles.write(p, out -> out.write(s.getBytes(StandardCharsets.UTF_8)));
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAndReplacesWholeFilesLeavingNoTemporaries() throws IOException {
        Path target = dir.resolve("sub/out.txt");
        text(target, "first");
        text(target, "second");
        assertEquals("second", Files.readString(target));
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(List.of("out.txt"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aFailedWriteKeepsThePreviousFileAndNamesTheTarget() throws IOException {
        Path target = dir.resolve("metrics.csv");
        text(target, "good");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("half".getBytes(StandardCharsets.UTF_8));
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("No space left"), e.getMessage());
        assertEquals("good", Files.readString(target));
        assertEquals(List.of("metrics.csv"), names());
    }

    @Test
    void removesTemporariesOfDeadProcessesOnly() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long dead = p.pid();
        long alive = ProcessHandle.current().pid();
        Path target = dir.resolve("model.ckpt");
        Files.writeString(dir.resolve(".model.ckpt.tmp-" + dead + "-abc123"), "partial");
        Files.writeString(dir.resolve(".model.ckpt.tmp-" + dead), "partial, older naming");
        Files.writeString(dir.resolve(".model.ckpt.tmp-" + alive + "-zzz"), "being written");
        Files.writeString(dir.resolve(".other.ckpt.tmp-" + dead + "-abc"), "another target's");
        assertEquals(2, AtomicFiles.removeStale(target));
        assertEquals(List.of(".model.ckpt.tmp-" + alive + "-zzz", ".other.ckpt.tmp-" + dead + "-abc"), names());
        // a write of the target cleans up as well
        Files.writeString(dir.resolve(".model.ckpt.tmp-" + dead + "-def"), "partial");
        text(target, "ok");
        assertFalse(names().contains(".model.ckpt.tmp-" + dead + "-def"));
        assertEquals("ok", Files.readString(target));
    }

    @Test
    void anUnwritableDirectoryIsReportedByName() throws IOException {
        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        Path target = file.resolve("out.png"); // parent is a regular file
        IOException e = assertThrows(IOException.class, () -> text(target, "y"));
        assertTrue(e.getMessage().contains(target.toString()) || e.getMessage().contains(file.toString()),
                e.getMessage());
    }
}
