package org.hvae4j.data;

import static org.hvae4j.data.IdxTestFiles.concat;
import static org.hvae4j.data.IdxTestFiles.gzip;
import static org.hvae4j.data.IdxTestFiles.images;
import static org.hvae4j.data.IdxTestFiles.labels;
import static org.hvae4j.data.IdxTestFiles.pattern;
import static org.hvae4j.data.IdxTestFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {
    @TempDir
    Path tmp;

    private static final int N = 5;
    private static final int H = 3;
    private static final int W = 4;
    private static final byte[] PIX = pattern(N * H * W);
    private static final byte[] LAB = {0, 3, 9, 3, 1};

    private static void assertPixels(float[] got) {
        assertEquals(PIX.length, got.length);
        for (int i = 0; i < PIX.length; i++) {
            assertEquals((PIX[i] & 0xff) / 255f, got[i], 0f, "pixel " + i);
            assertTrue(got[i] >= 0f && got[i] <= 1f);
        }
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "message '" + message + "' lacks '" + p + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void roundTrip(boolean gz) {
        Path im = write(tmp.resolve("im.idx"), gz ? gzip(images(N, H, W, PIX)) : images(N, H, W, PIX));
        Path lb = write(tmp.resolve("lb.idx"), gz ? gzip(labels(LAB)) : labels(LAB));
        Dataset d = IdxReader.read(im, lb);
        assertEquals(N, d.rows());
        assertEquals(H * W, d.cols());
        assertEquals(ImageShape.grey(H, W), d.imageShape().orElseThrow());
        assertPixels(d.features());
        assertArrayEquals(new int[] {0, 3, 9, 3, 1}, d.labels());
        assertEquals(10, d.numClasses());
        assertEquals("im.idx", d.name());
    }

    @Test
    void extremesMapToZeroAndOne() {
        byte[] px = {0, (byte) 255, (byte) 128, 1};
        IdxReader.Images im = IdxReader.readImages(new ByteArrayInputStream(images(1, 2, 2, px)), "x");
        assertArrayEquals(new float[] {0f, 1f, 128 / 255f, 1 / 255f}, im.pixels());
    }

    @Test
    void gzipDetectedByContentNotName() {
        // gzip data under a plain name, plain data under a .gz name
        Path a = write(tmp.resolve("plain-name.idx"), gzip(images(N, H, W, PIX)));
        Path b = write(tmp.resolve("gz-name.idx.gz"), images(N, H, W, PIX));
        assertPixels(IdxReader.readImages(a).pixels());
        assertPixels(IdxReader.readImages(b).pixels());
    }

    @Test
    void imagesWithoutLabels() {
        Path im = write(tmp.resolve("im"), images(N, H, W, PIX));
        Dataset d = IdxReader.read(im, null);
        assertTrue(!d.hasLabels());
        assertNull(d.labels());
        assertEquals(0, d.numClasses());
    }

    @Test
    void streamsWithDisplayNames() {
        Dataset d = IdxReader.read(new ByteArrayInputStream(gzip(images(N, H, W, PIX))), "res:im",
                new ByteArrayInputStream(labels(LAB)), "res:lb", "named");
        assertEquals("named", d.name());
        assertPixels(d.features());
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(
                new ByteArrayInputStream(labels(LAB)), "res:oops"));
        assertEquals("res:oops", e.source());
        assertNull(e.path());
        assertTrue(e.getMessage().startsWith("res:oops: "), e.getMessage());
    }

    @Test
    void missingFile() {
        Path p = tmp.resolve("nope-images-idx3-ubyte.gz");
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "file not found");
        assertEquals(p, e.path());
    }

    @Test
    void directoryInsteadOfFile() {
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(tmp));
        assertContains(e.getMessage(), tmp.toString(), "is a directory");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void truncatedPayload(boolean gz) {
        byte[] full = images(N, H, W, PIX);
        byte[] cut = Arrays.copyOf(full, full.length - 7);
        Path p = write(tmp.resolve("cut.idx"), gz ? gzip(cut) : cut);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "truncated", "expected " + (N * H * W) + " bytes of payload",
                "found " + (N * H * W - 7));
    }

    @Test
    void gzipStreamCutOff() {
        byte[] gz = gzip(images(200, 28, 28, pattern(200 * 28 * 28)));
        Path p = write(tmp.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "truncated", "expected " + (200 * 28 * 28) + " bytes of payload",
                "gzip");
    }

    @Test
    void truncatedLabels() {
        byte[] full = labels(LAB);
        Path p = write(tmp.resolve("lab"), Arrays.copyOf(full, full.length - 2));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readLabels(p));
        assertContains(e.getMessage(), p.toString(), "expected 5 bytes of payload", "found 3");
    }

    @Test
    void truncatedHeader() {
        Path p = write(tmp.resolve("short"), Arrays.copyOf(images(N, H, W, PIX), 10));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "truncated header", "expected 16 bytes, found 10");
    }

    @Test
    void emptyFile() {
        Path p = write(tmp.resolve("empty"), new byte[0]);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "empty file");
    }

    @Test
    void badMagicNotIdx() {
        Path p = write(tmp.resolve("text.idx"), "hello, world, this is not IDX".getBytes());
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "bad magic 0x68656C6C", "expected 0x00000803", "not an IDX file");
    }

    @Test
    void labelsFileGivenAsImages() {
        Path p = write(tmp.resolve("lab"), labels(LAB));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "bad magic 0x00000801", "expected 0x00000803");
        Path q = write(tmp.resolve("im"), images(N, H, W, PIX));
        DataException f = assertThrows(DataException.class, () -> IdxReader.readLabels(q));
        assertContains(f.getMessage(), q.toString(), "bad magic 0x00000803", "expected 0x00000801");
    }

    @Test
    void unsupportedTypeCode() {
        byte[] b = images(N, H, W, PIX);
        ByteBuffer.wrap(b).putInt(0, 0x00000D03); // float 3-D
        Path p = write(tmp.resolve("float.idx"), b);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "unsupported IDX type code 0x0D", "float", "0x00000D03");
    }

    @Test
    void trailingGarbage() {
        Path p = write(tmp.resolve("long"), concat(images(N, H, W, PIX), new byte[] {1, 2, 3}));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "trailing data: 3 bytes", "" + (N * H * W));
        Path q = write(tmp.resolve("longlab.gz"), gzip(concat(labels(LAB), new byte[] {7})));
        DataException f = assertThrows(DataException.class, () -> IdxReader.readLabels(q));
        assertContains(f.getMessage(), q.toString(), "trailing data: 1 bytes");
    }

    @Test
    void countMismatch() {
        Path im = write(tmp.resolve("im"), images(N, H, W, PIX));
        Path lb = write(tmp.resolve("lb"), labels(new byte[] {1, 2, 3}));
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(im, lb));
        assertContains(e.getMessage(), lb.toString(), "3 labels", im.toString(), N + " images");
        assertEquals(lb, e.path());
    }

    @Test
    void hugeDimensionsRejectedBeforeAllocating() {
        byte[] b = ByteBuffer.allocate(16).putInt(IdxReader.IMAGES_MAGIC).putInt(-1).putInt(28).putInt(28).array();
        Path p = write(tmp.resolve("huge"), b);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertContains(e.getMessage(), p.toString(), "4294967295", "too large");
    }

    @Test
    void looksLikeIdx() {
        assertTrue(IdxReader.looksLikeIdxImages(write(tmp.resolve("a"), gzip(images(N, H, W, PIX)))));
        assertTrue(!IdxReader.looksLikeIdxImages(write(tmp.resolve("b"), "1,2,3\n".getBytes())));
        assertTrue(!IdxReader.looksLikeIdxImages(tmp.resolve("missing")));
    }
}
