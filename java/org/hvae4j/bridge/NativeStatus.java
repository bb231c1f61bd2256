package org.hvae4j.bridge;

/** Status codes of {@code hvae4j/status.h}. */
public final class NativeStatus {
    public static final int OK = 0;
    public static final int EINVAL = 1;
    public static final int ENOMEM = 2;
    public static final int EINTERNAL = 3;
    public static final int NOCUDA = 4;
    public static final int CUDA_ERROR_BASE = 1000;

    private NativeStatus() {}

    /** A short description of a non-CUDA status. */
    public static String describe(int status) {
        return switch (status) {
            case OK -> "ok";
            case EINVAL -> "invalid argument passed to native code";
            case ENOMEM -> "native allocation failed (out of host memory)";
            case EINTERNAL -> "internal error in native code";
            case NOCUDA -> "no usable CUDA device";
            default -> "native status " + status;
        };
    }
}
