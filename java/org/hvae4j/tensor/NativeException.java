package org.hvae4j.tensor;

/** A native operation returned a failure status. */
public class NativeException extends RuntimeException {
    private final int status;

    public NativeException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The status code returned by native code (see {@code hvae4j/status.h}). */
    public int status() {
        return status;
    }
}
