package org.hvae4j.tensor;

/** A CUDA runtime or cuBLAS call failed; the message carries the error's name (for example cudaErrorLaunchFailure). */
public class CudaException extends NativeException {
    private final String errorName;

    public CudaException(String operation, String errorName, int code) {
        super(operation + " failed: " + errorName + " (" + code + ")", code);
        this.errorName = errorName;
    }

    public String errorName() {
        return errorName;
    }
}
