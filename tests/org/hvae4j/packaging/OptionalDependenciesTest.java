package org.hvae4j.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CPU-only library user receives no CUDA jar, no JUnit and none of the command-line program's libraries: the pom
 * marks them optional, and the library works without them on its class path.
 */
class OptionalDependenciesTest {
    static final List<String> OPTIONAL = List.of("cuda", "xchart", "picocli", "jackson-dataformat-yaml",
            "progressbar");

    @Test
    void thePomMarksTheGpuAndProgramDependenciesOptional() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
        String deps = pom.substring(pom.indexOf("<dependencies>"), pom.indexOf("</dependencies>"));
        Matcher m = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(deps);
        List<String> seen = new ArrayList<>();
        while (m.find()) {
            String d = m.group(1);
            String artifact = d.replaceAll("(?s)^.*?<artifactId>([^<]+)</artifactId>.*$", "$1");
            boolean optional = d.contains("<optional>true</optional>");
            boolean test = d.contains("<scope>test</scope>");
            if (OPTIONAL.contains(artifact)) {
                assertTrue(optional, artifact + " is optional");
                seen.add(artifact);
            } else if (!test) {
                assertTrue(!optional, artifact + " is a dependency of every user");
            }
            if (artifact.equals("xchart")) {
                assertTrue(d.contains("<artifactId>junit-jupiter</artifactId>"), "PDFBox's unscoped JUnit is excluded");
            }
        }
        assertTrue(seen.containsAll(OPTIONAL), seen::toString);
    }

    /** The library trains and evaluates on the CPU with the optional jars taken off the class path. */
    @Test
    void theLibraryRunsWithoutTheOptionalJars(@TempDir Path tmp) throws Exception {
        List<String> kept = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            boolean optional = name.endsWith(".jar") && (OPTIONAL.stream().anyMatch(o -> name.startsWith(o + "-"))
                    || name.startsWith("pdfbox") || name.startsWith("fontbox") || name.startsWith("graphics2d")
                    || name.startsWith("VectorGraphics2D") || name.startsWith("snakeyaml") || name.startsWith("jline"));
            if (!optional) {
                kept.add(e);
            }
        }
        assertTrue(kept.size() < System.getProperty("java.class.path").split(File.pathSeparator).length);
        Path log = tmp.resolve("out.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "-cp", String.join(File.pathSeparator, kept), CpuOnlyUse.class.getName(),
                tmp.resolve("c.hvae").toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("fallback: the JavaCPP CUDA presets are not on the class path: for GPU use add the "
                + "dependencies org.bytedeco:cuda:"), out);
        assertTrue(out.matches("(?s).*elbo -[0-9.]+.*"), out);
        assertTrue(out.contains("plots: plots need XChart on the class path"), out);
        assertTrue(Files.size(tmp.resolve("c.hvae")) > 0);
        assertTrue(Arrays.stream(kept.toArray(String[]::new)).noneMatch(e -> e.contains("junit-jupiter-5.10")),
                "no leaked JUnit");
    }
}
