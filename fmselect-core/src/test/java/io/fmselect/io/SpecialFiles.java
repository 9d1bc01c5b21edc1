package io.fmselect.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Outputs that are not regular files, made for tests: a character device like /dev/null (made with
 * mknod where the test runs as root, so that a bug cannot replace the machine's own /dev/null), a FIFO
 * with a reader, and this JVM's standard output captured.
 */
public final class SpecialFiles {
  private SpecialFiles() {}

  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFIFO = 0010000;

  /** Whether this JVM runs as root (the owner of a file it creates is uid 0). */
  public static boolean isRoot() throws IOException {
    Path probe = Files.createTempFile("uid", ".probe");
    try {
      return (Integer) Files.getAttribute(probe, "unix:uid") == 0;
    } finally {
      Files.delete(probe);
    }
  }

  /** The type bits of {@code p} itself (a link is not followed). */
  private static int type(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & S_IFMT;
  }

  public static boolean isCharDevice(Path p) throws IOException {
    return type(p) == S_IFCHR;
  }

  public static boolean isFifo(Path p) throws IOException {
    return type(p) == S_IFIFO;
  }

  /**
   * A character device that discards what is written: as root a new node {@code dir/null} (c 1 3, the
   * same device as /dev/null), otherwise the machine's /dev/null, which a non-root process cannot
   * replace.
   */
  public static Path nullDevice(Path dir) throws IOException, InterruptedException {
    if (!isRoot()) {
      return Path.of("/dev/null");
    }
    Path node = dir.resolve("null");
    run("mknod", node.toString(), "c", "1", "3");
    // readable and writable by anyone, as /dev/null is (an unprivileged run may write it)
    run("chmod", "666", node.toString());
    return node;
  }

  /**
   * A name for standard output through /dev/stdout: as root a link {@code dir/stdout -> /dev/stdout} of
   * the test's own (the same resolution, but a bug that renames over its target replaces only the link,
   * never the machine's /dev/stdout), otherwise /dev/stdout itself.
   */
  public static Path devStdout(Path dir) throws IOException {
    if (!isRoot()) {
      return Path.of("/dev/stdout");
    }
    return Files.createSymbolicLink(dir.resolve("stdout"), Path.of("/dev/stdout"));
  }

  /** Makes a FIFO at {@code p}. */
  public static Path fifo(Path p) throws IOException, InterruptedException {
    run("mkfifo", p.toString());
    return p;
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, pr.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  /** Reads a FIFO to its end on a thread of its own, as a consumer at the other end of a pipe would. */
  public static final class FifoReader {
    private final Thread thread;
    private volatile byte[] bytes;
    private volatile IOException error;

    public FifoReader(Path fifo) {
      thread = new Thread(() -> {
        try (InputStream in = Files.newInputStream(fifo)) {
          bytes = in.readAllBytes();
        } catch (IOException e) {
          error = e;
        }
      }, "fifo-reader");
      // if the FIFO was wrongly replaced, this thread waits for a writer that never comes
      thread.setDaemon(true);
      thread.start();
    }

    /** All the reader got, once the writer closed its end. */
    public byte[] await() throws InterruptedException {
      thread.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(thread.isAlive(), "the FIFO's reader never saw a writer: was the FIFO replaced?");
      assertNull(error);
      return bytes;
    }
  }

  /** Something run while this JVM's standard output is captured. */
  @FunctionalInterface
  public interface Action<T> {
    T run() throws Exception;
  }

  /** What an action returned and what it wrote to System.out. */
  public record Captured<T>(T result, String stdout) {}

  /** Runs {@code action} with System.out captured (restored afterwards). */
  public static <T> Captured<T> capturingStdout(Action<T> action) throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    T result;
    try {
      result = action.run();
    } finally {
      System.out.flush();
      System.setOut(saved);
    }
    return new Captured<>(result, buf.toString(StandardCharsets.UTF_8));
  }
}
