package org.hvae4j.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files in the MNIST / Fashion-MNIST layout: unsigned-byte 3-D image arrays (magic
 * {@code 0x00000803}: count, height, width) and unsigned-byte 1-D label arrays (magic {@code 0x00000801}).
 * Gzip compression is detected from the content (magic bytes {@code 1f 8b}), not from the file name.
 * Pixels are scaled to {@code [0, 1]} as {@code byte / 255}.
 *
 * <p>Every failure is a {@link DataException} naming the file and the problem: missing file, bad magic,
 * unsupported element type, truncated header or payload, trailing data, or image/label count mismatch.
 */
public final class IdxReader {
    /** Magic number of an unsigned-byte 3-D IDX array (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an unsigned-byte 1-D IDX array (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int TYPE_UBYTE = 0x08;
    private static final int CHUNK = 1 << 16;
    private static final float[] SCALE = new float[256];

    static {
        for (int i = 0; i < 256; i++) SCALE[i] = i / 255f;
    }

    private IdxReader() {
    }

    /**
     * Images read from an IDX file.
     *
     * @param count  number of images
     * @param height rows per image
     * @param width  columns per image
     * @param pixels {@code count × height × width} values in {@code [0, 1]}, row-major
     */
    public record Images(int count, int height, int width, float[] pixels) {
    }

    /**
     * Reads an images file and, when {@code labelsFile} is not null, its labels file; the number of classes
     * is then the largest label + 1. The dataset is named after the images file.
     */
    public static Dataset read(Path imagesFile, Path labelsFile) {
        return read(imagesFile, labelsFile, imagesFile.getFileName().toString());
    }

    /** Like {@link #read(Path, Path)} with an explicit dataset name. */
    public static Dataset read(Path imagesFile, Path labelsFile, String name) {
        return read(imagesFile, labelsFile, name, 0);
    }

    /** Like {@link #read(Path, Path, String)}; {@code numClasses} 0 means largest label + 1. */
    static Dataset read(Path imagesFile, Path labelsFile, String name, int numClasses) {
        Images images = readImages(imagesFile);
        int[] labels = labelsFile == null ? null : readLabels(labelsFile);
        return assemble(name, images, String.valueOf(imagesFile), labels, String.valueOf(labelsFile), labelsFile,
                numClasses);
    }

    /**
     * Reads images and optional labels from streams (plain or gzip), e.g. classpath resources.
     * The streams are read to the end but not closed.
     *
     * @param imagesName display name of the images stream, used in error messages
     * @param labels     labels stream, or null
     * @param labelsName display name of the labels stream, used in error messages
     */
    public static Dataset read(InputStream images, String imagesName, InputStream labels, String labelsName,
                               String name) {
        return read(images, imagesName, labels, labelsName, name, 0);
    }

    static Dataset read(InputStream images, String imagesName, InputStream labels, String labelsName, String name,
                        int numClasses) {
        Images im = readImages(images, imagesName);
        int[] lb = labels == null ? null : readLabels(labels, labelsName);
        return assemble(name, im, imagesName, lb, labelsName, null, numClasses);
    }

    private static Dataset assemble(String name, Images images, String imagesName, int[] labels, String labelsName,
                                    Path labelsPath, int numClasses) {
        int classes = 0;
        if (labels != null) {
            if (labels.length != images.count()) {
                String msg = "has " + labels.length + " labels but " + imagesName + " has " + images.count() + " images";
                throw labelsPath != null ? new DataException(labelsPath, msg) : new DataException(labelsName, msg);
            }
            int max = 0;
            for (int l : labels) max = Math.max(max, l);
            if (numClasses > 0 && max >= numClasses) {
                String msg = "label " + max + " is outside [0, " + numClasses + ")";
                throw labelsPath != null ? new DataException(labelsPath, msg) : new DataException(labelsName, msg);
            }
            classes = numClasses > 0 ? numClasses : max + 1;
        }
        return Dataset.wrap(name, images.pixels(), images.count(), images.height() * images.width(), labels, classes,
                ImageShape.grey(images.height(), images.width()));
    }

    /** Reads an unsigned-byte 3-D IDX images file (plain or gzip). */
    public static Images readImages(Path file) {
        try (InputStream in = open(file)) {
            return readImages(in, file.toString(), file);
        } catch (IOException e) {
            throw new DataException(file, "cannot read: " + e, e);
        }
    }

    /** Reads an unsigned-byte 3-D IDX images stream (plain or gzip); the stream is not closed. */
    public static Images readImages(InputStream in, String name) {
        return readImages(in, name, null);
    }

    /** Reads an unsigned-byte 1-D IDX labels file (plain or gzip). */
    public static int[] readLabels(Path file) {
        try (InputStream in = open(file)) {
            return readLabels(in, file.toString(), file);
        } catch (IOException e) {
            throw new DataException(file, "cannot read: " + e, e);
        }
    }

    /** Reads an unsigned-byte 1-D IDX labels stream (plain or gzip); the stream is not closed. */
    public static int[] readLabels(InputStream in, String name) {
        return readLabels(in, name, null);
    }

    /** Whether the file starts with an IDX unsigned-byte 3-D magic, possibly inside gzip. */
    public static boolean looksLikeIdxImages(Path file) {
        try (InputStream in = open(file)) {
            InputStream s = decompress(in);
            byte[] head = s.readNBytes(4);
            return head.length == 4 && readInt(head, 0) == IMAGES_MAGIC;
        } catch (IOException | DataException e) {
            return false;
        }
    }

    /**
     * Whether a file (gzip-compressed or not) is binary rather than text: a NUL byte in its first 4 KiB. CSV files
     * never hold one; IDX headers start with two.
     */
    public static boolean looksBinary(Path file) {
        try (InputStream in = open(file)) {
            byte[] head = decompress(in).readNBytes(4096);
            for (byte b : head) {
                if (b == 0) {
                    return true;
                }
            }
            return false;
        } catch (IOException | DataException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------------

    private static Images readImages(InputStream raw, String name, Path path) {
        Objects.requireNonNull(raw, "in");
        Src src = new Src(name, path);
        try {
            InputStream in = decompress(raw);
            byte[] head = readHeader(in, src, 16, IMAGES_MAGIC, "unsigned-byte 3-D images");
            long count = Integer.toUnsignedLong(readInt(head, 4));
            long height = Integer.toUnsignedLong(readInt(head, 8));
            long width = Integer.toUnsignedLong(readInt(head, 12));
            if (height < 1 || width < 1) {
                throw src.fail("image size " + height + "x" + width + " has a zero dimension");
            }
            long total = count * height * width; // at most 2^96 in theory: check step by step
            if (count > Integer.MAX_VALUE || height > Integer.MAX_VALUE || width > Integer.MAX_VALUE
                    || height * width > Integer.MAX_VALUE || total > Integer.MAX_VALUE - 8 || total < 0) {
                throw src.fail("dimensions " + count + " x " + height + " x " + width
                        + " are too large for one Java array (" + Integer.MAX_VALUE + " values at most)");
            }
            float[] pixels = new float[(int) total];
            byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(1, total))];
            long done = 0;
            while (done < total) {
                int want = (int) Math.min(buf.length, total - done);
                int got = readFully(in, buf, want, src);
                int base = (int) done;
                for (int i = 0; i < got; i++) pixels[base + i] = SCALE[buf[i] & 0xff];
                done += got;
                if (got < want) {
                    throw src.fail("truncated data: expected " + total + " bytes of payload (" + count + " images of "
                            + height + "x" + width + "), found " + done);
                }
            }
            checkEnd(in, src, total);
            return new Images((int) count, (int) height, (int) width, pixels);
        } catch (IOException e) {
            throw src.io(e);
        }
    }

    private static int[] readLabels(InputStream raw, String name, Path path) {
        Objects.requireNonNull(raw, "in");
        Src src = new Src(name, path);
        try {
            InputStream in = decompress(raw);
            byte[] head = readHeader(in, src, 8, LABELS_MAGIC, "unsigned-byte 1-D labels");
            long count = Integer.toUnsignedLong(readInt(head, 4));
            if (count > Integer.MAX_VALUE - 8) {
                throw src.fail("label count " + count + " is too large for one Java array");
            }
            int n = (int) count;
            byte[] bytes = new byte[n];
            int got = readFully(in, bytes, n, src);
            if (got < n) {
                throw src.fail("truncated data: expected " + n + " bytes of payload (" + n + " labels), found " + got);
            }
            checkEnd(in, src, n);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = bytes[i] & 0xff;
            return labels;
        } catch (IOException e) {
            throw src.io(e);
        }
    }

    /** Where the bytes come from, for messages; remembers whether a gzip stream ended early. */
    private static final class Src {
        final String name;
        final Path path;
        boolean gzipCut;

        Src(String name, Path path) {
            this.name = name;
            this.path = path;
        }

        DataException fail(String msg) {
            String m = gzipCut ? msg + " (the gzip stream is cut off)" : msg;
            return path != null ? new DataException(path, m) : new DataException(name, m);
        }

        DataException io(IOException e) {
            String msg = e instanceof ZipException ? "corrupt gzip data: " + e.getMessage() : "read failed: " + e;
            return path != null ? new DataException(path, msg, e) : new DataException(name, msg, e);
        }
    }

    static InputStream open(Path file) {
        Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new DataException(file, "is a directory, expected an IDX file");
        }
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new DataException(file, "file not found", e);
        } catch (AccessDeniedException e) {
            throw new DataException(file, "permission denied", e);
        } catch (IOException e) {
            throw new DataException(file, "cannot open: " + e, e);
        }
    }

    /** Wraps {@code in} in a gzip decoder when it starts with the gzip magic bytes {@code 1f 8b}. */
    static InputStream decompress(InputStream in) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, CHUNK);
        b.mark(2);
        int b0 = b.read();
        int b1 = b.read();
        b.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(b, CHUNK), CHUNK);
        }
        return b;
    }

    /** Reads and checks the magic number, then reads the rest of a {@code size}-byte header. */
    private static byte[] readHeader(InputStream in, Src src, int size, int expectedMagic, String what)
            throws IOException {
        byte[] head = new byte[size];
        int got = readFully(in, head, 0, 4, src);
        if (got == 0) throw src.fail("empty file, expected an IDX header (" + what + ")");
        if (got < 4) throw src.fail("truncated header: expected " + size + " bytes, found " + got);
        // the magic comes first: a wrong file is likelier than a short one
        checkMagic(src, readInt(head, 0), expectedMagic, what);
        got += readFully(in, head, 4, size - 4, src);
        if (got < size) throw src.fail("truncated header: expected " + size + " bytes, found " + got);
        return head;
    }

    private static void checkMagic(Src src, int magic, int expected, String what) {
        if (magic == expected) return;
        int type = (magic >>> 8) & 0xff;
        int dims = magic & 0xff;
        if ((magic >>> 16) == 0 && (magic & 0xff) == (expected & 0xff) && type != TYPE_UBYTE) {
            throw src.fail("unsupported IDX type code 0x" + hex2(type) + " (" + typeName(type)
                    + "); only 0x08 (unsigned byte) is supported (magic " + hex(magic) + ", expected " + hex(expected)
                    + " for " + what + ")");
        }
        String detail;
        if ((magic >>> 16) == 0x1f8b) {
            detail = " (gzip inside gzip?)";
        } else if ((magic >>> 16) != 0) {
            detail = " (not an IDX file)";
        } else {
            detail = " (IDX " + typeName(type) + " " + dims + "-D array)";
        }
        throw src.fail("bad magic " + hex(magic) + detail + ", expected " + hex(expected) + " (" + what + ")");
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "unknown type";
        };
    }

    private static void checkEnd(InputStream in, Src src, long payload) throws IOException {
        int b = in.read();
        if (b < 0) return;
        long extra = 1;
        byte[] skip = new byte[8192];
        int n;
        while ((n = in.read(skip)) > 0) extra += n;
        throw src.fail("trailing data: " + extra + " bytes after the expected " + payload + " bytes of payload");
    }

    private static int readFully(InputStream in, byte[] buf, int len, Src src) throws IOException {
        return readFully(in, buf, 0, len, src);
    }

    private static int readFully(InputStream in, byte[] buf, int off, int len, Src src) throws IOException {
        int done = 0;
        while (done < len) {
            int n;
            try {
                n = in.read(buf, off + done, len - done);
            } catch (EOFException e) {
                // GZIPInputStream reports a cut-off compressed stream as EOFException: treat it as the end
                src.gzipCut = true;
                break;
            }
            if (n < 0) break;
            done += n;
        }
        return done;
    }

    private static int readInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    private static String hex(int v) {
        return String.format("0x%08X", v);
    }

    private static String hex2(int v) {
        return String.format("%02X", v);
    }
}
