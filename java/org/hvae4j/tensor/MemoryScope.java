package org.hvae4j.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Frees, when closed, every tensor allocated inside it on the same thread and not closed or detached before (and
 * closes the resources registered with {@link #closeWithCurrent}, such as forward passes):
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
    private final List<AutoCloseable> resources = new ArrayList<>();
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

    /**
     * Hands {@code t} from this scope to the enclosing one (the next open scope of this thread), which frees it when it
     * closes; with no enclosing scope the caller owns it, as after {@link #detach}.
     */
    public Tensor escape(Tensor t) {
        detach(t);
        ArrayDeque<MemoryScope> stack = STACK.get();
        java.util.Iterator<MemoryScope> it = stack.iterator();
        while (it.hasNext()) {
            if (it.next() == this) {
                if (it.hasNext()) {
                    MemoryScope outer = it.next();
                    outer.add(t);
                    t.setScope(outer);
                }
                break;
            }
        }
        return t;
    }

    /** Takes every tensor out of this scope and returns them: the caller owns them now. */
    public List<Tensor> detachAll() {
        List<Tensor> all = new ArrayList<>(tensors);
        tensors.clear();
        for (Tensor t : all) {
            t.clearScope();
        }
        return all;
    }

    /**
     * Registers a resource that owns native memory (a {@link org.hvae4j.model.Pass}, say) with the innermost open scope
     * of this thread, which then closes it when it closes; nothing when no scope is open.
     */
    public static void closeWithCurrent(AutoCloseable resource) {
        MemoryScope s = current();
        if (s != null) {
            s.resources.add(resource);
        }
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
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                RuntimeException r = e instanceof RuntimeException re ? re : new RuntimeException(e);
                if (failure == null) {
                    failure = r;
                } else {
                    failure.addSuppressed(r);
                }
            }
        }
        resources.clear();
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
