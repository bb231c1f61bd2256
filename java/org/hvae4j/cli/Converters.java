package org.hvae4j.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option value converters that reject out-of-range numbers with a message naming the range. */
final class Converters {
    private Converters() {}

    /** An integer >= {@code min}. */
    private abstract static class IntAtLeast implements ITypeConverter<Integer> {
        private final int min;
        private final String what;

        IntAtLeast(int min, String what) {
            this.min = min;
            this.what = what;
        }

        @Override
        public Integer convert(String s) {
            int v = parseInt(s);
            if (v < min) {
                throw new TypeConversionException("'" + s + "' is not " + what);
            }
            return v;
        }
    }

    /** An integer >= 1. */
    static final class PositiveInt extends IntAtLeast {
        public PositiveInt() {
            super(1, "a positive integer");
        }
    }

    /** An integer >= 2. */
    static final class AtLeastTwo extends IntAtLeast {
        public AtLeastTwo() {
            super(2, "an integer >= 2");
        }
    }

    /** An integer >= 0. */
    static final class NonNegativeInt extends IntAtLeast {
        public NonNegativeInt() {
            super(0, "an integer >= 0");
        }
    }

    /** A finite number > 0. */
    static final class PositiveDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = parseDouble(s);
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new TypeConversionException("'" + s + "' is not a positive number");
            }
            return v;
        }
    }

    /** A finite number >= 0. */
    static final class NonNegativeDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = parseDouble(s);
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new TypeConversionException("'" + s + "' is not a number >= 0");
            }
            return v;
        }
    }

    /** A number in [0, 1). */
    static final class Fraction implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = parseDouble(s);
            if (!(v >= 0 && v < 1)) {
                throw new TypeConversionException("'" + s + "' is not a fraction in [0, 1)");
            }
            return v;
        }
    }

    /** A positive number or "inf". */
    static final class PositiveOrInf implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            if (s.trim().toLowerCase(Locale.ROOT).startsWith("inf")) {
                return Double.POSITIVE_INFINITY;
            }
            return new PositiveDouble().convert(s);
        }
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + s + "' is not an integer");
        }
    }

    private static double parseDouble(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + s + "' is not a number");
        }
    }
}
