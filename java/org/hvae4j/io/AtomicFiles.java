package org.hvae4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a file whole or not at all — every output hvae4j writes goes through here (checkpoints, metrics, summaries,
 * pictures, CSV outputs, exports): the content goes to a temporary file beside the target, is flushed to the disk,
 * and the temporary file is renamed onto the target ({@link StandardCopyOption#ATOMIC_MOVE}, or a plain
 * {@link StandardCopyOption#REPLACE_EXISTING} move where the file system cannot rename atomically). A reader never
 * sees a half-written file; a failure (a full disk, say) leaves the previous file as it was and no temporary file
 * behind, and its exception names the target. Temporary files of processes that were killed mid-write are removed
 * the next time their target is written.
 */
public final class AtomicFiles {
    /** The body of a write, given the stream of the temporary file (closed afterwards). */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    // .NAME.tmp-PID-RANDOM (and the .NAME.tmp-PID of earlier versions)
    private static final Pattern TEMP = Pattern.compile("\\.(.+)\\.tmp-(\\d+)(-[0-9a-z]+)?");

    private AtomicFiles() {}

    /** Writes {@code target} through {@code body}, creating missing parent directories. */
    public static void write(Path target, Body body) throws IOException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(body, "body");
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        try {
            Files.createDirectories(dir);
            removeStale(abs);
        } catch (IOException e) {
            throw failed(abs, e);
        }
        long pid = ProcessHandle.current().pid();
        Path tmp;
        FileChannel ch;
        while (true) {
            // Not Files.createTempFile: its files are owner-only (0600), and the rename would keep that mode.
            tmp = dir.resolve("." + abs.getFileName() + ".tmp-" + pid + "-"
                    + Long.toUnsignedString(RANDOM.nextLong(), 36));
            try {
                ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                break;
            } catch (FileAlreadyExistsException e) {
                // another writer's temporary file: draw another name
            } catch (IOException e) {
                throw failed(abs, e);
            }
        }
        boolean moved = false;
        try {
            try (FileChannel c = ch; OutputStream out = new BufferedOutputStream(Channels.newOutputStream(c), 1 << 20)) {
                body.writeTo(out);
                out.flush();
                c.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } catch (IOException e) {
            throw failed(abs, e);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write's own failure is the one to report
                }
            }
        }
    }

    /** An IOException whose message names the target (the system's messages often do not). */
    private static IOException failed(Path target, IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !why.contains(root.getMessage())) {
            why += " (" + root.getMessage() + ")";   // ImageIO's "I/O error writing PNG file!" hides the disk's reason
        }
        if (why.contains(target.toString())) {
            return e;
        }
        return new IOException("could not write " + target + ": " + why, e);
    }

    /**
     * Deletes the temporary files of {@code target} left by processes that no longer run (killed while writing it).
     * Those of running processes are left alone: they may be writing now.
     */
    public static int removeStale(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        String name = abs.getFileName().toString();
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "." + name + ".tmp-*")) {
            for (Path p : ds) {
                Matcher m = TEMP.matcher(p.getFileName().toString());
                if (!m.matches() || !m.group(1).equals(name)) {
                    continue;
                }
                long pid = Long.parseLong(m.group(2));
                boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                if (!alive && Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        }
        return removed;
    }
}
