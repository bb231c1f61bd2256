package org.hvae4j.model;

/** Training met too many consecutive steps with a non-finite loss or gradient. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
