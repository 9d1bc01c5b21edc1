package io.fmselect.models;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the nsfwjs tests share, made once and kept under {@code target/nsfwjs/} so that test classes
 * and runs do not fetch or convert again: the package tarball ({@code npm pack}), its model folders
 * unpacked, the models converted by {@link NsfwjsModels#pull}, and TensorFlow.js for
 * {@code tools/tfjs/parity.js}. Tests that need node or npm are skipped (JUnit assumption) where they
 * are missing.
 */
public final class NsfwjsFiles {
  private NsfwjsFiles() {}

  private static Path models;
  private static boolean tfjs;

  /** The repository root (where tools/tfjs is). */
  public static Path root() {
    Path p = Paths.get("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("tools/tfjs/parity.js"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("tools/tfjs/parity.js not found above " + Paths.get("").toAbsolutePath());
    }
    return p;
  }

  static Path dir() throws IOException {
    return Files.createDirectories(root().resolve("target/nsfwjs"));
  }

  /** Skips the calling test unless {@code program --version} runs. */
  public static void assumeCommand(String program) {
    boolean ok;
    try {
      Process p = new ProcessBuilder(program, "--version").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      ok = false;
    }
    assumeTrue(ok, program + " is not installed: skipped (Node.js 18+ and npm are needed)");
  }

  /** The package tarball, fetched with npm pack the first time (skips the test without npm). */
  public static synchronized Path tarball() throws IOException, InterruptedException {
    Path tgz = dir().resolve(NsfwjsModels.TARBALL);
    if (!Files.isRegularFile(tgz)) {
      assumeCommand("npm");
      Path fresh = NsfwjsModels.npmPack(dir().resolve("npm"));
      Files.move(fresh, tgz);
    }
    return tgz;
  }

  /** The three converted models (NAME.onnx, NAME.yaml), converted once per JVM. */
  public static synchronized Path models() throws Exception {
    if (models == null) {
      Path out = dir().resolve("models");
      NsfwjsModels.pull(tarball(), NsfwjsModels.MODELS, out, null, line -> System.out.println("[models pull] " + line));
      models = out;
    }
    return models;
  }

  /** A model folder of the package, unpacked (as parity.js reads it). */
  public static synchronized Path packageFolder(String folder) throws Exception {
    Path out = dir().resolve("package").resolve(folder);
    if (!Files.isRegularFile(out.resolve("model.min.js"))) {
      Map<String, byte[]> files = NsfwjsModels.readTarball(tarball()).get(folder);
      Path tmp = Files.createTempDirectory(dir(), "unpack");
      for (var e : files.entrySet()) {
        Files.write(tmp.resolve(e.getKey()), e.getValue());
      }
      Files.createDirectories(out.getParent());
      Files.move(tmp, out);
    }
    return out;
  }

  /**
   * Features of NHWC images from the original TensorFlow.js model (tools/tfjs/parity.js): n rows of
   * {@code dim} values.
   */
  public static synchronized float[][] tfjsFeatures(String folder, boolean graph, float[] nhwc, int n, int size,
      int dim) throws Exception {
    assumeCommand("node");
    if (!tfjs) {
      assumeCommand("npm");
      run(List.of("bash", root().resolve("tools/tfjs/install.sh").toString()), 600);
      tfjs = true;
    }
    Path in = Files.createTempFile(dir(), "parity", ".in");
    Path out = Files.createTempFile(dir(), "parity", ".out");
    try {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * nhwc.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(nhwc);
      Files.write(in, b.array());
      String printed = run(List.of("node", root().resolve("tools/tfjs/parity.js").toString(),
          packageFolder(folder).toString(), graph ? "graph" : "layers", Integer.toString(n), Integer.toString(size),
          in.toString(), out.toString()), 900);
      if (!printed.strip().equals(Integer.toString(dim))) {
        throw new AssertionError("parity.js gave " + printed.strip() + "-d features, expected " + dim);
      }
      java.nio.FloatBuffer f = java.nio.ByteBuffer.wrap(Files.readAllBytes(out)).order(java.nio.ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer();
      float[][] rows = new float[n][dim];
      for (float[] r : rows) {
        f.get(r);
      }
      return rows;
    } finally {
      Files.deleteIfExists(in);
      Files.deleteIfExists(out);
    }
  }

  /** Runs a command; its stdout, or an AssertionError with its output when it fails. */
  static String run(List<String> cmd, long timeoutS) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir(), "cmd", ".out");
    Path err = Files.createTempFile(dir(), "cmd", ".err");
    try {
      Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + ": still running after " + timeoutS + " s");
      }
      String o = Files.readString(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): "
            + Files.readString(err, StandardCharsets.UTF_8) + o);
      }
      return o;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
