package org.hvae4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.hvae4j.io.AtomicFiles;

/**
 * A run directory owned by one process at a time: an exclusive lock on its {@value #LOCK} file (an OS file lock, so
 * a killed process leaves nothing stuck: the lock ends with the process; the file stays and holds the last owner's
 * process id). A second {@code train} on the same directory is refused, naming the owner. Claiming also removes
 * temporary files that killed writers left behind.
 */
final class RunDirectory implements AutoCloseable {
    static final String LOCK = ".lock";
    /** Files whose presence marks a directory as holding a run. */
    static final List<String> RUN_FILES = List.of(CheckpointOption.FILE_NAME, "metrics.csv", "summary.json");
    /** Every file {@code train} writes into a run directory. */
    static final List<String> OUTPUTS = List.of(CheckpointOption.FILE_NAME, "metrics.csv", "summary.json",
            "samples.png", "reconstructions.png", "curves.png", "model.safetensors");

    private final FileChannel channel;
    private final FileLock lock;

    private RunDirectory(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates {@code dir} if needed and takes its lock, or fails naming the process that holds it. */
    static RunDirectory claim(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConfigException("cannot create run directory " + dir + ": " + e);
        }
        Path file = dir.resolve(LOCK);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new ConfigException("cannot open the lock file " + file + " of the run directory: " + e);
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;   // held by this very process
        } catch (IOException e) {
            close(ch);
            throw new ConfigException("cannot lock the run directory " + dir + " (" + file + "): " + e);
        }
        if (lock == null) {
            String owner = owner(ch);
            close(ch);
            throw new ConfigException("run directory " + dir + " is in use by another training process"
                    + (owner.isEmpty() ? "" : " (" + owner + ")") + "; wait for it to end, or choose another --out");
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
        } catch (IOException e) {
            // the lock is what counts; the process id is only for the message of a refused second process
        }
        try {
            for (String name : OUTPUTS) {
                AtomicFiles.removeStale(dir.resolve(name));
            }
        } catch (IOException e) {
            // each output removes its own stale temporary files again when it is written
        }
        return new RunDirectory(ch, lock);
    }

    /** Whether the directory already holds a run (a checkpoint, metrics or summary). */
    static boolean holdsRun(Path dir) {
        return RUN_FILES.stream().anyMatch(n -> Files.exists(dir.resolve(n)));
    }

    private static String owner(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(64);
            ch.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip().replace("pid", "process");
        } catch (IOException e) {
            return "";
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        close(channel);
    }
}
