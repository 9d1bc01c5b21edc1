package io.fmselect.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Python reader ({@code clients/python/fmselect_reader.py}) with the system's python3, after
 * {@code clients/python/install-deps.sh} has made sure of its Debian packages.
 */
public final class PythonReader {
  private PythonReader() {}

  /** What a run printed, and how it ended. */
  public record Result(int code, String out, String err) {}

  private static boolean ready;

  /** Installs the reader's packages once per JVM; fails the caller if they cannot be had. */
  static synchronized void ensureInstalled() throws IOException, InterruptedException {
    if (ready) {
      return;
    }
    Result r = exec(List.of("bash", root().resolve("clients/python/install-deps.sh").toString()), 600, null);
    if (r.code() != 0) {
      throw new IllegalStateException("clients/python/install-deps.sh failed: " + r.err());
    }
    ready = true;
  }

  /** The reader as a command, with these arguments. */
  public static Result run(List<String> args, long timeoutS) throws IOException, InterruptedException {
    return exec(command(args), timeoutS, null);
  }

  /** The reader as a command run in folder {@code cwd} (where a wrong "-" file would appear). */
  public static Result run(List<String> args, long timeoutS, Path cwd) throws IOException, InterruptedException {
    return exec(command(args), timeoutS, cwd);
  }

  /** A Python start: the process, its output going to files, for a reader that follows. */
  public static Process start(List<String> args, Path out, Path err) throws IOException, InterruptedException {
    return new ProcessBuilder(command(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
  }

  /**
   * A Python program that imports the reader as a module ({@code clients/python} on PYTHONPATH), started with
   * these arguments, its output going to files.
   */
  public static Process startScript(String code, List<String> args, Path out, Path err)
      throws IOException, InterruptedException {
    ensureInstalled();
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-c", code));
    cmd.addAll(args);
    ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    b.environment().put("PYTHONPATH", root().resolve("clients/python").toString());
    b.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the source tree
    return b.start();
  }

  /** The reader's command line, its packages installed first. */
  private static List<String> command(List<String> args) throws IOException, InterruptedException {
    ensureInstalled();
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", root().resolve("clients/python/fmselect_reader.py").toString()));
    cmd.addAll(args);
    return cmd;
  }

  /** The repository's root: the folder above the working directory that holds clients/python. */
  public static Path root() {
    Path p = Paths.get("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("clients/python/fmselect_reader.py"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("clients/python/fmselect_reader.py not found above " + Paths.get("").toAbsolutePath());
    }
    return p;
  }

  private static Result exec(List<String> cmd, long timeoutS, Path cwd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("py", ".out");
    Path err = Files.createTempFile("py", ".err");
    try {
      ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      if (cwd != null) {
        b.directory(cwd.toFile());
      }
      Process p = b.start();
      if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + ": still running after " + timeoutS + " s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
