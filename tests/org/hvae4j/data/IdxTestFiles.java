package org.hvae4j.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** A tiny IDX writer for tests. */
final class IdxTestFiles {
    private IdxTestFiles() {
    }

    /** IDX bytes of {@code count} images of {@code h×w} unsigned bytes. */
    static byte[] images(int count, int h, int w, byte[] pixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(h).putInt(w).put(pixels);
        return b.array();
    }

    /** IDX bytes of unsigned-byte labels. */
    static byte[] labels(byte[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(labels.length).put(labels);
        return b.array();
    }

    /** Pixel i of a deterministic pattern: (i * 37 + 11) mod 256. */
    static byte[] pattern(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) p[i] = (byte) ((i * 37 + 11) & 0xff);
        return p;
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    static Path write(Path file, byte[] data) {
        try {
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
