package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.select.VectorApi;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code select} in a JVM started without {@code --add-modules jdk.incubator.vector} (a stock Flink
 * TaskManager's situation): it runs on the scalar kernels, writes the same selection and the same scores
 * byte for byte as a JVM with the module, and says so in exactly one WARN line naming the option (through
 * slf4j). And every kernel with a vector form gives the same results in a JVM without the module, on a
 * class path without logging (the line then goes to stderr).
 */
class VectorFallbackTest {
  @TempDir Path dir;

  @BeforeEach
  void data() {
    assertEquals(0, Main.commandLine().execute("generate", "--out-dir", dir.toString(), "--rows", "3000",
        "--classes", "12", "--dims", "40,13", "--names", "a,b", "--flip", "0.1", "--seed", "7"));
  }

  record Run(int code, String err, String selected, String scores) {}

  private Run select(boolean module, String classPath, String method, String tag) throws Exception {
    Path out = dir.resolve(tag + ".txt");
    Path scores = dir.resolve(tag + ".csv");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    if (module) {
      cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
    }
    // the test class path holds a Flink test jar's log4j2-test.properties (everything off): name ours
    cmd.addAll(List.of("-Djava.io.tmpdir=" + dir, "-Dlog4j2.configurationFile="
        + Path.of("fmselect-app", "target", "test-classes", "log4j2-test.xml").toAbsolutePath(), "-cp", classPath, "io.fmselect.cli.Main", "select", "--method",
        method, "--fraction", "0.1", "--labels", dir.resolve("labels.npy").toString(), "--features",
        "a=" + dir.resolve("a.npy")));
    if (method.equals("ram-apl")) {
      cmd.addAll(List.of("--features", "b=" + dir.resolve("b.npy")));
    }
    cmd.addAll(List.of("--threads", "2", "--out", out.toString(), "--scores", scores.toString()));
    Path err = dir.resolve(tag + ".err");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "select finished");
    return new Run(p.exitValue(), Files.readString(err), Files.readString(out), Files.readString(scores));
  }

  private static long warnings(String stderr) {
    return stderr.lines().filter(l -> l.contains("WARN") && l.contains(VectorApi.JVM_OPTION)).count();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ram-apl", "moderate-ds"})
  void withoutTheVectorModuleSelectGivesTheSameFiles(String method) throws Exception {
    String testClassPath = System.getProperty("java.class.path");
    Run with = select(true, testClassPath, method, "with");
    assertEquals(0, with.code(), with.err());
    assertEquals(0, warnings(with.err()), with.err());

    Run without = select(false, testClassPath, method, "without");
    assertEquals(0, without.code(), without.err());
    assertEquals(1, warnings(without.err()), "one WARN line naming the option: " + without.err());
    assertEquals(with.selected(), without.selected(), "the same selection");
    assertEquals(with.scores(), without.scores(), "the same scores, to the last digit");
    assertTrue(with.selected().lines().count() >= 250, "about 10% of 3000 rows selected");
  }

  /** Every kernel with a vector form, on fmselect's classes alone: no slf4j, so the line goes to stderr. */
  @Test
  void everyKernelGivesTheSameResultsWithoutTheModule() throws Exception {
    // fmselect-core alone (the kernels and FallbackProbe live there), run from the repository root
    String cp = Path.of("fmselect-core", "target", "classes").toAbsolutePath() + File.pathSeparator
        + Path.of("fmselect-core", "target", "test-classes").toAbsolutePath();
    assertTrue(Files.notExists(Path.of("fmselect-core", "target", "classes", "org", "slf4j")), "no logging on this class path");
    String[] with = probe(cp, true);
    String[] without = probe(cp, false);
    assertEquals(with[0], without[0], "the same results");
    assertTrue(!with[0].contains("out of bound") && with[0].lines().count() > 400, with[0]);
    assertEquals(0, warnings(with[1]), with[1]);
    assertEquals(List.of("fmselect: WARN: " + "the JDK's vector API (module jdk.incubator.vector) is not in this JVM:"),
        without[1].lines().filter(l -> !l.startsWith("WARNING: Using incubator"))
            .map(l -> l.substring(0, Math.min(l.length(), 86))).toList());
    assertEquals(1, warnings(without[1]));
  }

  private String[] probe(String cp, boolean module) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    if (module) {
      cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
    }
    cmd.addAll(List.of("-cp", cp, "io.fmselect.select.FallbackProbe"));
    Path err = dir.resolve("probe-" + module + ".err");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), Files.readString(err));
    return new String[] {out, Files.readString(err)};
  }
}
