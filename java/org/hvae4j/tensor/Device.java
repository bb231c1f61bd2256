package org.hvae4j.tensor;

/** Where a tensor lives: the host ({@link #cpu()}) or CUDA device {@code index}. */
public record Device(Kind kind, int index) {
    public enum Kind { CPU, CUDA }

    private static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (kind == null) {
            throw new IllegalArgumentException("device kind must not be null");
        }
        if (index < 0 || (kind == Kind.CPU && index != 0)) {
            throw new IllegalArgumentException("bad device index " + index + " for " + kind);
        }
    }

    public static Device cpu() {
        return CPU;
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}
