package org.hvae4j.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Frees, when closed, every tensor allocated inside it on the same thread and not closed or detached before:
 * <pre>{@code
 * try (MemoryScope scope = MemoryScope.open()) {
 *     Tensor h = backend.empty(batch, 200);   // freed when the scope closes
 *     Tensor kept = scope.detach(result);      // survives the scope; the caller now owns it
 * }
 * }</pre>
 * Scopes nest; they must be closed in the reverse order of opening (try-with-resources does that).
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<MemoryScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final Set<Tensor> tensors = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private MemoryScope() {}

    public static MemoryScope open() {
        MemoryScope scope = new MemoryScope();
        STACK.get().push(scope);
        return scope;
    }

    /** The innermost open scope of this thread, or null. */
    static MemoryScope current() {
        return STACK.get().peek();
    }

    void add(Tensor t) {
        tensors.add(t);
    }

    void remove(Tensor t) {
        tensors.remove(t);
    }

    /** Takes {@code t} out of this scope: it is no longer freed when the scope closes. */
    public Tensor detach(Tensor t) {
        if (!tensors.remove(t)) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to this scope");
        }
        t.clearScope();
        return t;
    }

    /** Number of live tensors this scope will free. */
    public int size() {
        return tensors.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a MemoryScope must be closed on the thread that opened it");
        }
        ArrayDeque<MemoryScope> stack = STACK.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("MemoryScopes closed out of order: close inner scopes first");
        }
        stack.pop();
        closed = true;
        List<Tensor> live = new ArrayList<>(tensors);
        tensors.clear();
        RuntimeException failure = null;
        for (Tensor t : live) {
            t.clearScope();
            try {
                t.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
