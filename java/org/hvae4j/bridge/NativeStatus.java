package org.hvae4j.bridge;

/** Status codes of {@code hvae4j/status.h}, read from the header through JavaCPP. */
public final class NativeStatus {
    public static final int OK = CpuNative.HVAE4J_OK();
    public static final int EINVAL = CpuNative.HVAE4J_EINVAL();
    public static final int ENOMEM = CpuNative.HVAE4J_ENOMEM();
    public static final int EINTERNAL = CpuNative.HVAE4J_EINTERNAL();
    public static final int NOCUDA = CpuNative.HVAE4J_NOCUDA();
    public static final int CUDA_ERROR_BASE = CpuNative.HVAE4J_CUDA_ERROR_BASE();

    private NativeStatus() {}

    /** A short description of a non-CUDA status. */
    public static String describe(int status) {
        if (status == OK) {
            return "ok";
        } else if (status == EINVAL) {
            return "invalid argument passed to native code";
        } else if (status == ENOMEM) {
            return "native allocation failed (out of host memory)";
        } else if (status == EINTERNAL) {
            return "internal error in native code";
        } else if (status == NOCUDA) {
            return "no usable CUDA device";
        }
        return "native status " + status;
    }
}
