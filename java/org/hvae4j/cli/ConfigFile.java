package org.hvae4j.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hvae4j.model.TrainConfig;

/**
 * A configuration file ({@code --config}): JSON ({@code .json}) or YAML (anything else) with the sections
 * {@code model:} (the fields of {@link org.hvae4j.model.ModelSpec#toMap}) and {@code training:} (those of
 * {@link TrainConfig#toMap}); either may be left out. Options given on the command line override it.
 */
record ConfigFile(Path path, Map<String, Object> model, Map<String, Object> training) {
    private static final List<String> SECTIONS = List.of("model", "training");

    /** No file: every section empty. */
    static ConfigFile none() {
        return new ConfigFile(null, Map.of(), Map.of());
    }

    /** Reads {@code path} (null: {@link #none()}); {@link ConfigException} naming the file and the problem. */
    static ConfigFile read(Path path) {
        if (path == null) {
            return none();
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
        mapper.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        Object root;
        try {
            root = mapper.readValue(Files.readAllBytes(path), Object.class);
        } catch (NoSuchFileException e) {
            throw new ConfigException("configuration file " + path + " does not exist");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ConfigException("configuration file " + path + " is not valid "
                    + (name.endsWith(".json") ? "JSON" : "YAML") + ": " + summary(e.getOriginalMessage()) + (at != null ? " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"
                    : ""), e);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + path + ": " + e.getMessage(), e);
        }
        if (root == null) {
            return new ConfigFile(path, Map.of(), Map.of());
        }
        Map<String, Object> top = section(path, "the top level", root);
        for (String key : top.keySet()) {
            if (!SECTIONS.contains(key)) {
                throw new ConfigException("configuration file " + path + ": unknown section '" + key
                        + "' (expected " + String.join(" and ", SECTIONS) + ")");
            }
        }
        Map<String, Object> training = section(path, "section 'training'", top.getOrDefault("training", Map.of()));
        List<String> known = List.copyOf(TrainConfig.defaults(1).toMap().keySet());
        for (String key : training.keySet()) {
            if (!known.contains(key)) {
                throw new ConfigException("configuration file " + path + ": unknown training field '" + key
                        + "' (expected one of " + String.join(", ", known) + ")");
            }
        }
        return new ConfigFile(path, section(path, "section 'model'", top.getOrDefault("model", Map.of())), training);
    }

    /** A parser's message on one line: its statements without the quoted source lines and carets under them. */
    private static String summary(String message) {
        return message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .collect(java.util.stream.Collectors.joining(": "))
                .replaceAll("\\s*\\(for [^\\[]*\\[Source:[^\\]]*\\]\\)", "");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Path path, String what, Object o) {
        if (o == null) {
            return Map.of();
        }
        if (!(o instanceof Map<?, ?> m)) {
            throw new ConfigException("configuration file " + path + ": " + what + " must be a mapping of fields, "
                    + "not " + o);
        }
        return new LinkedHashMap<>((Map<String, Object>) m);
    }

    /** The file's name without its extension, or null without a file. */
    String stem() {
        if (path == null) {
            return null;
        }
        String n = path.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
