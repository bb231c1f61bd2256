package org.hvae4j.tensor;

/** A backend was asked for but cannot run here; the message names the real cause (no driver, no library...). */
public final class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
