package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fmselect.embed.Folders;
import io.fmselect.io.SpecialFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fmselect select}'s outputs that are not regular files, as a user runs it: standard output
 * ({@code -}, /dev/stdout), a character device, a FIFO, a symbolic link; and the machine's /dev/null
 * written by an unprivileged user (nobody, when the tests run as root), who cannot write /dev itself.
 */
public class OutputTargetsITCase {
  @TempDir Path dir;

  private List<String> select(Path data, String out, String... extra) {
    List<String> args = new ArrayList<>(List.of("select", "--fraction", "0.2", "--labels", data.resolve("labels.npy").toString(),
        "--features", "a=" + data.resolve("a.npy"), "--out", out));
    args.addAll(List.of(extra));
    return args;
  }

  private static LauncherITCase.Result launch(List<String> args) throws Exception {
    return LauncherITCase.launch(args.toArray(String[]::new));
  }

  /** {@code generate} of one feature set 'a' into {@code data}, which must succeed. */
  private static LauncherITCase.Result generate(Path data, int rows, int classes, int dims) throws Exception {
    LauncherITCase.Result g = LauncherITCase.launch("generate", "--out-dir", data.toString(), "--rows",
        Integer.toString(rows), "--classes", Integer.toString(classes), "--dims", Integer.toString(dims), "--names", "a");
    assertEquals(0, g.code(), g.err());
    return g;
  }

  @Test
  void selectWritesStandardOutputADeviceAFifoAndThroughASymlink() throws Exception {
    Path data = dir.resolve("data");
    LauncherITCase.Result g = generate(data, 500, 5, 8);
    assertEquals(List.of(data.resolve("labels.npy") + ": 500 int64 labels of 5 classes (5% flipped)",
        data.resolve("a.npy") + ": 500 x 8 float32"), g.out().lines().toList(), "generate says what it wrote");
    // the reference: both outputs as plain files
    Path refRows = dir.resolve("ref.txt");
    Path refCsv = dir.resolve("ref.csv");
    LauncherITCase.Result ref = launch(select(data, refRows.toString(), "--scores", refCsv.toString()));
    assertEquals(0, ref.code(), ref.err());
    String rows = Files.readString(refRows);
    String csv = Files.readString(refCsv);
    assertEquals(501, csv.lines().count(), "a header and one line per row");

    // -: the rows on standard output; the scores through a symbolic link to a file elsewhere
    Path real = Files.createDirectories(dir.resolve("elsewhere")).resolve("scores.csv");
    Files.writeString(real, "old\n");
    Path link = Files.createSymbolicLink(dir.resolve("scores-link.csv"), real);
    LauncherITCase.Result r = launch(select(data, "-", "--scores", link.toString()));
    assertEquals(0, r.code(), r.err());
    assertEquals(rows, r.out(), "the rows and nothing else on standard output");
    assertEquals("", r.err());
    assertTrue(Files.isSymbolicLink(link), "the link stays a link");
    assertEquals(csv, Files.readString(real), "its target got the scores");

    // /dev/stdout for the scores (as root through a link of the test's own), a device for the rows
    Path dev = SpecialFiles.nullDevice(dir);
    r = launch(select(data, dev.toString(), "--scores", SpecialFiles.devStdout(dir).toString()));
    assertEquals(0, r.code(), r.err());
    assertEquals(csv, r.out());
    assertTrue(SpecialFiles.isCharDevice(dev), dev + " is still a character device");

    // a FIFO: its reader gets every row
    Path fifo = SpecialFiles.fifo(dir.resolve("rows.fifo"));
    SpecialFiles.FifoReader reader = new SpecialFiles.FifoReader(fifo);
    r = launch(select(data, fifo.toString()));
    assertEquals(0, r.code(), r.err());
    assertEquals(rows, new String(reader.await(), StandardCharsets.US_ASCII));
    assertTrue(SpecialFiles.isFifo(fifo), "still a FIFO");

    for (Path d : List.of(dir, real.getParent())) {
      try (Stream<Path> s = Files.list(d)) {
        assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "no temp files in " + d);
      }
    }
  }

  /**
   * {@code select --out - | head -1}: the reader closes the pipe after one line; select leaves without a
   * word and with SIGPIPE's status, as other tools do, and publishes no other output.
   */
  @Test
  void aStandardOutputClosedByItsReaderEndsQuietly() throws Exception {
    Path data = dir.resolve("data");
    // 40,000 rows all selected: far more than a pipe holds, so the write meets the closed pipe
    generate(data, 40_000, 4, 4);
    Path scores = dir.resolve("scores.csv");
    Process p = new ProcessBuilder("bash", "-c", "\"$0\" select --fraction 1 --labels \"$1\" --features a=\"$2\" --out -"
        + " --scores \"$3\" | head -1; echo \"status ${PIPESTATUS[0]}\"", Path.of("bin/fmselect").toAbsolutePath().toString(),
        data.resolve("labels.npy").toString(), data.resolve("a.npy").toString(), scores.toString())
        .redirectError(ProcessBuilder.Redirect.PIPE).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(List.of("0", "status 141"), out.lines().toList(), err);
    assertEquals("", err, "no error line for a reader that took what it wanted");
    assertFalse(Files.exists(scores), "the batch's other output is not published");
  }

  /**
   * The machine's /dev/null as an output of a user who cannot write /dev: accepted and written, and
   * /dev/null stays a device (a non-root user cannot replace it, so this is safe). As root the command
   * runs as nobody (uid 65534) through setpriv, from a world-readable copy of the jar and the data.
   */
  @Test
  void anUnprivilegedUserWritesToDevNull() throws Exception {
    boolean root = SpecialFiles.isRoot();
    // a world-readable place: the test's own @TempDir is owner-only, the checkout may be under /root
    Path shared = Files.createTempDirectory(Path.of("/tmp"), "fmselect-unprivileged");
    try {
      Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
      // the jar and, as its manifest's Class-Path wants, lib/ beside it (hard links where possible: 400 MB);
      // the class path is the launcher's for select: the jar and picocli
      Path jar = linkOrCopy(Path.of("target/fmselect.jar"), shared.resolve("fmselect.jar"));
      Path lib = Files.createDirectories(shared.resolve("lib"));
      Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path picocli = null;
      try (Stream<Path> s = Files.list(Path.of("target/lib"))) {
        for (Path p : s.toList()) {
          Path linked = linkOrCopy(p, lib.resolve(p.getFileName()));
          Files.setPosixFilePermissions(linked, PosixFilePermissions.fromString("rw-r--r--"));
          if (p.getFileName().toString().startsWith("picocli-")) {
            picocli = linked;
          }
        }
      }
      Path data = shared.resolve("data");
      assertEquals(0, LauncherITCase.launch("generate", "--out-dir", data.toString(), "--rows", "200", "--classes", "4",
          "--dims", "8", "--names", "a").code());
      Path locked = Files.createDirectories(shared.resolve("locked"));
      for (Path p : List.of(jar, data.resolve("labels.npy"), data.resolve("a.npy"))) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
      }
      for (Path p : List.of(data, locked)) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r-xr-xr-x"));
      }
      List<String> java = new ArrayList<>();
      if (root) {
        java.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
      }
      java.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "--add-modules", "jdk.incubator.vector", "-cp", jar + ":" + picocli, "io.fmselect.cli.Main"));
      List<String> version = new ArrayList<>(java.subList(0, java.size() - 5));
      version.add("-version");
      LauncherITCase.Result v = run(version, shared);
      assumeTrue(v.code() == 0, "this JVM can be run by an unprivileged user: " + v.err());

      List<String> ok = new ArrayList<>(java);
      ok.addAll(select(data, "/dev/null", "--scores", "/dev/null"));
      LauncherITCase.Result r = run(ok, shared);
      assertEquals(0, r.code(), r.err());
      assertEquals("", r.out());
      assertEquals("", withoutIncubatorWarning(r.err()));
      assertTrue(SpecialFiles.isCharDevice(Path.of("/dev/null")), "/dev/null is still a character device");

      // a folder this user cannot write: one line, exit 2
      List<String> refused = new ArrayList<>(java);
      refused.addAll(select(data, locked.resolve("rows.txt").toString()));
      r = run(refused, shared);
      assertEquals(2, r.code(), r.err());
      assertEquals("fmselect select: error: --out " + locked.resolve("rows.txt") + ": directory " + locked + " is not writable",
          withoutIncubatorWarning(r.err()).strip());
      assertFalse(Files.exists(locked.resolve("rows.txt")));
    } finally {
      if (Files.isDirectory(shared.resolve("data"))) { // writable again, so that its files can be deleted
        Files.setPosixFilePermissions(shared.resolve("data"), PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      Folders.delete(shared);
    }
  }

  private static Path linkOrCopy(Path from, Path to) throws IOException {
    try {
      return Files.createLink(to, from.toAbsolutePath());
    } catch (IOException | UnsupportedOperationException e) {
      return Files.copy(from, to); // another file system
    }
  }

  private static String withoutIncubatorWarning(String err) {
    return err.replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "");
  }

  private LauncherITCase.Result run(List<String> cmd, Path cwd) throws IOException, InterruptedException {
    Path out = dir.resolve("run.out");
    Path err = dir.resolve("run.err");
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished: " + cmd);
    return new LauncherITCase.Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
