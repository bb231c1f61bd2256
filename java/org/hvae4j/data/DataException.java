package org.hvae4j.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A data file or stream could not be read: missing, malformed or inconsistent.
 * The message always starts with the source (file path or resource name) and says what was wrong.
 * Unchecked, so loaders can be used in lambdas and streams.
 */
public final class DataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final transient Path path;

    /** A failure of the data at {@code source} (a display name such as a classpath resource). */
    public DataException(String source, String problem) {
        this(source, null, problem, null);
    }

    /** A failure of the data at {@code source}, caused by {@code cause}. */
    public DataException(String source, String problem, Throwable cause) {
        this(source, null, problem, cause);
    }

    /** A failure of the file {@code path}. */
    public DataException(Path path, String problem) {
        this(String.valueOf(path), path, problem, null);
    }

    /** A failure of the file {@code path}, caused by {@code cause}. */
    public DataException(Path path, String problem, Throwable cause) {
        this(String.valueOf(path), path, problem, cause);
    }

    private DataException(String source, Path path, String problem, Throwable cause) {
        super(Objects.requireNonNullElse(source, "<unknown>") + ": " + problem, cause);
        this.source = Objects.requireNonNullElse(source, "<unknown>");
        this.path = path;
    }

    /** The file path or display name of the data that failed. */
    public String source() {
        return source;
    }

    /** The file that failed, or null when the data did not come from a file (e.g. a classpath resource). */
    public Path path() {
        return path;
    }
}
