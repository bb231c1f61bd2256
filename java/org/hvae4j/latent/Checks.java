package org.hvae4j.latent;

import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/** Argument checks shared by the latent operations: each failure names the argument. */
final class Checks {
    private Checks() {}

    static void open(Backend be, Tensor t, String op, String name) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null");
        }
        if (t.isClosed()) {
            throw new IllegalStateException(op + ": " + name + " " + t.shape() + " is closed");
        }
        if (t.backend() != be) {
            throw new IllegalArgumentException(op + ": " + name + " is on " + t.device() + " but the operation runs on "
                    + be.device());
        }
    }

    /** {@code t} must be a matrix of rows × cols (any shape with that many rows and columns). */
    static void matrix(Backend be, Tensor t, int rows, int cols, String op, String name) {
        open(be, t, op, name);
        if (t.rows() != rows || t.cols() != cols) {
            throw new IllegalArgumentException(op + ": " + name + " " + t.shape() + " must be [" + rows + ", " + cols
                    + "]");
        }
    }

    /** {@code t} must hold one value per row. */
    static void perRow(Backend be, Tensor t, int rows, String op, String name) {
        open(be, t, op, name);
        if (t.numel() != rows) {
            throw new IllegalArgumentException(op + ": " + name + " " + t.shape() + " must hold one value per row ("
                    + rows + ")");
        }
    }

    /**
     * Likelihood targets x must fit the parameter tensor {@code p} (named {@code name}): the same columns, and p's
     * rows a multiple of x's (k importance samples share one batch of targets).
     */
    static void targets(Backend be, Tensor p, String name, Tensor x, String op) {
        open(be, p, op, name);
        open(be, x, op, "x");
        if (x.cols() != p.cols() || x.rows() == 0 || p.rows() % x.rows() != 0) {
            throw new IllegalArgumentException(op + ": targets x " + x.shape() + " do not fit the " + name + " "
                    + p.shape() + " (same columns; " + name + " rows a multiple of x rows)");
        }
    }

    static long addr(Tensor t) {
        return t == null ? 0L : t.address();
    }

    static void optionalPerRow(Backend be, Tensor t, int rows, String op, String name) {
        if (t != null) {
            perRow(be, t, rows, op, name);
        }
    }

    static void optionalMatrix(Backend be, Tensor t, int rows, int cols, String op, String name) {
        if (t != null) {
            matrix(be, t, rows, cols, op, name);
        }
    }

    /** A sampling temperature: finite and >= 0. */
    static void temperature(double t) {
        if (!(t >= 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + t);
        }
    }
}
