package org.hvae4j.bridge;

/**
 * The codes of {@code hvae4j/codes.h} (activations, Gaussian flags, Bernoulli estimators, the slots of a training
 * step's device buffers) and the layout of {@code hvae4j_adam_state}, read from the header through JavaCPP when this class is first used: Java holds no number
 * of its own for them.
 */
public final class NativeCodes {
    public static final int ACT_IDENTITY = CpuNative.HVAE4J_ACT_IDENTITY();
    public static final int ACT_TANH = CpuNative.HVAE4J_ACT_TANH();
    public static final int ACT_RELU = CpuNative.HVAE4J_ACT_RELU();
    public static final int ACT_LEAKY_RELU = CpuNative.HVAE4J_ACT_LEAKY_RELU();
    public static final int ACT_SOFTPLUS = CpuNative.HVAE4J_ACT_SOFTPLUS();
    public static final int ACT_SILU = CpuNative.HVAE4J_ACT_SILU();
    public static final int ACT_ELU = CpuNative.HVAE4J_ACT_ELU();
    public static final int ACT_SIGMOID = CpuNative.HVAE4J_ACT_SIGMOID();

    public static final int GAUSSIAN_PRIOR_STANDARD = CpuNative.HVAE4J_GAUSSIAN_PRIOR_STANDARD();
    public static final int GAUSSIAN_POSTERIOR_RESIDUAL = CpuNative.HVAE4J_GAUSSIAN_POSTERIOR_RESIDUAL();
    public static final int GAUSSIAN_LOGQ_PATH_ONLY = CpuNative.HVAE4J_GAUSSIAN_LOGQ_PATH_ONLY();

    public static final int BERNOULLI_ST_IDENTITY = CpuNative.HVAE4J_BERNOULLI_ST_IDENTITY();
    public static final int BERNOULLI_ST_SIGMOID = CpuNative.HVAE4J_BERNOULLI_ST_SIGMOID();
    public static final int BERNOULLI_CONCRETE = CpuNative.HVAE4J_BERNOULLI_CONCRETE();
    public static final int BERNOULLI_ST_GUMBEL = CpuNative.HVAE4J_BERNOULLI_ST_GUMBEL();
    public static final int BERNOULLI_REINFORCE = CpuNative.HVAE4J_BERNOULLI_REINFORCE();

    public static final int STEP_OBJECTIVE = CpuNative.HVAE4J_STEP_OBJECTIVE();
    public static final int STEP_RECONSTRUCTION = CpuNative.HVAE4J_STEP_RECONSTRUCTION();
    public static final int STEP_LOSS = CpuNative.HVAE4J_STEP_LOSS();
    public static final int STEP_KL = CpuNative.HVAE4J_STEP_KL();

    public static final int SUM_STEPS = CpuNative.HVAE4J_SUM_STEPS();
    public static final int SUM_SKIPPED = CpuNative.HVAE4J_SUM_SKIPPED();
    public static final int SUM_BAD_IN_ROW = CpuNative.HVAE4J_SUM_BAD_IN_ROW();
    public static final int SUM_LAST_LOSS = CpuNative.HVAE4J_SUM_LAST_LOSS();
    public static final int SUM_LAST_NORM = CpuNative.HVAE4J_SUM_LAST_NORM();
    public static final int SUM_NORM = CpuNative.HVAE4J_SUM_NORM();
    public static final int SUM_VALUES = CpuNative.HVAE4J_SUM_VALUES();

    /** Size in bytes of {@code hvae4j_adam_state} and the byte offsets of its fields (adam_state.h). */
    public static final int ADAM_STATE_BYTES = CpuNative.hvae4j_adam_state_size();
    public static final int ADAM_STATE_LR = CpuNative.hvae4j_adam_state_lr();
    public static final int ADAM_STATE_NORM = CpuNative.hvae4j_adam_state_norm();
    public static final int ADAM_STATE_SKIP = CpuNative.hvae4j_adam_state_skip();
    public static final int ADAM_STATE_T = CpuNative.hvae4j_adam_state_t();

    private NativeCodes() {}
}
