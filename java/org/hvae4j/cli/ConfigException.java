package org.hvae4j.cli;

/** A configuration file or option combination that cannot be used; the message says why. */
final class ConfigException extends RuntimeException {
    ConfigException(String message) {
        super(message);
    }

    ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
