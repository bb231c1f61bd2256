package org.hvae4j.tensor;

import org.hvae4j.bridge.NativeCodes;

/**
 * An elementwise nonlinearity (formulas of {@code hvae4j/activation.h}). {@link #alpha()} is the negative slope of
 * leaky ReLU and the scale of ELU; other activations ignore it.
 */
public record Activation(Kind kind, float alpha) {
    public enum Kind { IDENTITY, TANH, RELU, LEAKY_RELU, SOFTPLUS, SILU, ELU, SIGMOID }

    public static final Activation IDENTITY = new Activation(Kind.IDENTITY, 0f);
    public static final Activation TANH = new Activation(Kind.TANH, 0f);
    public static final Activation RELU = new Activation(Kind.RELU, 0f);
    public static final Activation SOFTPLUS = new Activation(Kind.SOFTPLUS, 0f);
    public static final Activation SILU = new Activation(Kind.SILU, 0f);
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f);

    public Activation {
        if (kind == null) {
            throw new IllegalArgumentException("activation kind must not be null");
        }
        if (!Float.isFinite(alpha)) {
            throw new IllegalArgumentException("activation alpha must be finite, got " + alpha);
        }
    }

    public static Activation leakyRelu(float negativeSlope) {
        return new Activation(Kind.LEAKY_RELU, negativeSlope);
    }

    public static Activation elu(float alpha) {
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("ELU alpha must be positive, got " + alpha);
        }
        return new Activation(Kind.ELU, alpha);
    }

    /** The native code of this activation (codes.h, read through JavaCPP). */
    public int code() {
        return switch (kind) {
            case IDENTITY -> NativeCodes.ACT_IDENTITY;
            case TANH -> NativeCodes.ACT_TANH;
            case RELU -> NativeCodes.ACT_RELU;
            case LEAKY_RELU -> NativeCodes.ACT_LEAKY_RELU;
            case SOFTPLUS -> NativeCodes.ACT_SOFTPLUS;
            case SILU -> NativeCodes.ACT_SILU;
            case ELU -> NativeCodes.ACT_ELU;
            case SIGMOID -> NativeCodes.ACT_SIGMOID;
        };
    }

    /** Parses "tanh", "relu", "leaky_relu", "leaky_relu:0.2", "softplus", "silu", "elu", "elu:0.5", "sigmoid", "identity". */
    public static Activation parse(String s) {
        if (s == null) {
            throw new IllegalArgumentException("activation name must not be null");
        }
        String[] parts = s.trim().toLowerCase(java.util.Locale.ROOT).split(":", 2);
        Float arg = null;
        if (parts.length == 2) {
            try {
                arg = Float.parseFloat(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad activation parameter in '" + s + "'");
            }
        }
        return switch (parts[0]) {
            case "identity", "linear", "none" -> IDENTITY;
            case "tanh" -> TANH;
            case "relu" -> RELU;
            case "leaky_relu", "leakyrelu" -> leakyRelu(arg == null ? 0.01f : arg);
            case "softplus" -> SOFTPLUS;
            case "silu", "swish" -> SILU;
            case "elu" -> elu(arg == null ? 1f : arg);
            case "sigmoid" -> SIGMOID;
            default -> throw new IllegalArgumentException("unknown activation '" + s
                    + "' (expected identity, tanh, relu, leaky_relu[:slope], softplus, silu, elu[:alpha], sigmoid)");
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case LEAKY_RELU, ELU -> kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + alpha;
            default -> kind.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
