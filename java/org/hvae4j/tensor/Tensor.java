package org.hvae4j.tensor;

/**
 * A dense float32 array with a {@link Shape}, row-major, on one {@link Device}. A tensor owns native memory and
 * frees it in {@link #close()} (idempotent) or when the {@link MemoryScope} it was allocated in closes; the
 * garbage collector never frees it. A view ({@link #view}, {@link #reshape}, {@link #rowsView}) shares the memory
 * of its base and stops working once the base is closed. Using a closed tensor throws IllegalStateException.
 *
 * <p>Tensors are created by a {@link Backend}: {@code backend.empty(rows, cols)}, {@code backend.fromArray(...)}.
 */
public final class Tensor implements AutoCloseable {
    /** The memory behind a tensor and its views. */
    static final class Storage {
        final long address;
        final long bytes;
        final Backend backend;
        boolean freed;

        Storage(Backend backend, long address, long bytes) {
            this.backend = backend;
            this.address = address;
            this.bytes = bytes;
        }
    }

    private final Storage storage;
    private final long offset;  // in elements
    private final Shape shape;
    private final boolean owner;
    private MemoryScope scope;
    private boolean closed;

    Tensor(Storage storage, long offset, Shape shape, boolean owner) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.owner = owner;
        if (owner) {
            MemoryScope s = MemoryScope.current();
            if (s != null) {
                scope = s;
                s.add(this);
            }
        }
    }

    public Shape shape() {
        return shape;
    }

    public long numel() {
        return shape.numel();
    }

    public int rows() {
        return shape.rows();
    }

    public int cols() {
        return shape.cols();
    }

    public Device device() {
        return storage.backend.device();
    }

    public Backend backend() {
        return storage.backend;
    }

    public boolean isClosed() {
        return closed || storage.freed;
    }

    /** The native address of the first element; throws IllegalStateException once closed. */
    public long address() {
        checkOpen();
        return storage.address + offset * Float.BYTES;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("tensor " + shape + " on " + device() + " is closed");
        }
        if (storage.freed) {
            throw new IllegalStateException("tensor " + shape + " on " + device()
                    + " is a view of a closed tensor");
        }
    }

    /** A view of the same memory with another shape of the same number of elements. */
    public Tensor reshape(int... dims) {
        Shape s = Shape.of(dims);
        if (s.numel() != numel()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + numel() + " elements) to " + s
                    + " (" + s.numel() + " elements)");
        }
        checkOpen();
        return new Tensor(storage, offset, s, false);
    }

    /** A view of {@code numel(dims)} elements starting {@code elementOffset} elements into this tensor. */
    public Tensor view(long elementOffset, int... dims) {
        Shape s = Shape.of(dims);
        if (elementOffset < 0 || elementOffset + s.numel() > numel()) {
            throw new IllegalArgumentException("view of " + s + " at offset " + elementOffset
                    + " does not fit in a tensor of shape " + shape);
        }
        checkOpen();
        return new Tensor(storage, offset + elementOffset, s, false);
    }

    /** Rows {@code [from, to)} of this tensor read as a matrix. */
    public Tensor rowsView(int from, int to) {
        int rows = rows();
        if (from < 0 || to > rows || from > to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") out of range for shape " + shape);
        }
        return view((long) from * cols(), to - from, cols());
    }

    /** Copies the elements to a new Java array (synchronizes with the device). */
    public float[] toArray() {
        return storage.backend.toArray(this);
    }

    /** A copy of this tensor on {@code backend}. */
    public Tensor to(Backend backend) {
        Tensor t = backend.empty(shape.dims());
        backend.copy(this, t);
        return t;
    }

    /** The single element of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item() needs a one-element tensor, not " + shape);
        }
        return toArray()[0];
    }

    void clearScope() {
        scope = null;
    }

    void setScope(MemoryScope s) {
        scope = s;
    }

    /** Frees the memory (for an owning tensor) or detaches the view. Closing twice is harmless. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (scope != null) {
            scope.remove(this);
            scope = null;
        }
        if (owner && !storage.freed) {
            storage.freed = true;
            storage.backend.release(storage);
        }
    }

    @Override
    public String toString() {
        return "Tensor" + shape + "@" + device() + (isClosed() ? " (closed)" : "");
    }
}
