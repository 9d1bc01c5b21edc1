package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.io.NpyTest;
import io.fmselect.io.NpyWriter;
import io.fmselect.io.SpecialFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The select command end to end, and every bad input it must refuse cleanly. */
class SelectCommandTest {
  @TempDir Path dir;
  Path labels;
  Path a;
  Path b;
  Path out;

  @BeforeEach
  void data() throws IOException {
    // the hand-computed example of HandComputedTest, with a second feature set equal to the first
    labels = dir.resolve("labels.npy");
    NpyWriter.writeInt64(labels, new long[] {10, 10, 10, 20, 20, 20});
    float[][] x = {{0, 0}, {4, 0}, {1, 0}, {10, 0}, {12, 0}, {3, 0}};
    a = dir.resolve("a.npy");
    b = dir.resolve("b.npy");
    NpyWriter.writeFloat32(a, x);
    NpyWriter.writeFloat32(b, x);
    out = dir.resolve("selected.txt");
  }

  List<String> base(String... extra) {
    List<String> args = new ArrayList<>(List.of("select", "--fraction", "0.5", "--labels", labels.toString(),
        "--out", out.toString()));
    args.addAll(Arrays.asList(extra));
    return args;
  }

  @Test
  void selectsAndExplains() throws IOException {
    Path scores = dir.resolve("scores.csv");
    List<String> args = base("--features", "dinov2=" + a, "--features", "clip=" + b, "--scores", scores.toString());
    InProcess.Run r = InProcess.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertEquals(List.of("0", "2", "3", "4"), Files.readAllLines(out));
    List<String> csv = Files.readAllLines(scores);
    assertEquals("index,label,ram,apl,score,rank,selected", csv.get(0));
    assertEquals(7, csv.size());
    double w1 = new io.fmselect.select.RamApl().w1(0.5);
    assertEquals("5,20,0.6666666666666666,1.0," + (w1 * (2.0 / 3) + (1 - w1) * 1.0) + ",2,0", csv.get(6));
    assertEquals("2,10,0.0,0.0,0.0,0,1", csv.get(3));
    assertTrue(leftovers().isEmpty());
  }

  @Test
  void baselinesWriteTheirFigure() throws IOException {
    Path scores = dir.resolve("k.csv");
    InProcess.Run r = InProcess.run(base("--method", "kcenter", "--features", "x=" + a, "--scores", scores.toString()).toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("1", "2", "3", "5"), Files.readAllLines(out));
    List<String> csv = Files.readAllLines(scores);
    assertEquals("index,label,distance,rank,selected", csv.get(0));
    assertEquals("1,10,3.0,1,1", csv.get(2));
    assertEquals("0,10,1.0,,0", csv.get(1));
  }

  @Test
  void uniformIsSeeded() throws IOException {
    InProcess.Run r1 = InProcess.run(base("--method", "uniform", "--features", "x=" + a, "--seed", "7").toArray(String[]::new));
    List<String> first = Files.readAllLines(out);
    InProcess.Run r2 = InProcess.run(base("--method", "uniform", "--features", "x=" + a, "--seed", "7").toArray(String[]::new));
    assertEquals(0, r1.code() + r2.code());
    assertEquals(first, Files.readAllLines(out));
    assertEquals(4, first.size());
  }

  private List<Path> leftovers() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  /** Runs a command that must fail: exit 2, one line on stderr containing {@code expect}, no output. */
  void refused(String expect, List<String> args) throws IOException {
    Path scores = dir.resolve("scores.csv");
    List<String> all = new ArrayList<>(args);
    if (!all.contains("--scores")) {
      all.add("--scores");
      all.add(scores.toString());
    }
    InProcess.Run r = InProcess.run(all.toArray(String[]::new));
    assertEquals(2, r.code(), r.err());
    String err = r.err().strip();
    assertFalse(err.contains("\n"), "one line: " + r.err());
    assertTrue(err.contains(expect), "expected '" + expect + "' in: " + err);
    assertFalse(Files.exists(out), "no --out file");
    assertFalse(Files.exists(scores), "no --scores file");
    assertTrue(leftovers().isEmpty(), "no temp files");
  }

  @Test
  void refusesMissingAndUnreadableFiles() throws IOException {
    Path missing = dir.resolve("nope.npy");
    refused("nope.npy: no such file", base("--features", "x=" + missing));
    List<String> args = base("--features", "x=" + a);
    args.set(args.indexOf(labels.toString()), missing.toString());
    refused("nope.npy: no such file", args);
    refused("is a directory", base("--features", "x=" + dir));
  }

  @Test
  void refusesFilesThatAreNotUsableNpy() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.npy"), "just some text, long enough");
    refused("notes.npy: not a .npy file", base("--features", "x=" + text));
    Path i32 = dir.resolve("ints.npy");
    NpyWriter.writeInt32(i32, new int[] {1, 2, 3, 4, 5, 6});
    refused("ints.npy: unsupported dtype '<i4' for features", base("--features", "x=" + i32));
    Path fort = NpyTest.raw(dir.resolve("fort.npy"), 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (6, 2), }", new byte[48]);
    refused("fort.npy: Fortran-order arrays are not supported", base("--features", "x=" + fort));
    Path oneD = NpyTest.raw(dir.resolve("oned.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", new byte[24]);
    refused("oned.npy: features must be 2-D", base("--features", "x=" + oneD));
    List<String> args = base("--features", "x=" + a);
    args.set(args.indexOf(labels.toString()), a.toString());
    refused("labels must be 1-D", args);
  }

  @Test
  void refusesRowCountMismatchNonFiniteValuesAndEmptyInput() throws IOException {
    Path five = dir.resolve("five.npy");
    NpyWriter.writeFloat32(five, new float[][] {{0}, {1}, {2}, {3}, {4}});
    refused("five.npy: has 5 rows but", base("--features", "x=" + a, "--features", "y=" + five));
    Path nan = dir.resolve("nan.npy");
    NpyWriter.writeFloat32(nan, new float[][] {{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, Float.NaN}, {5, 5}});
    refused("nan.npy: row 4, column 1: value is NaN", base("--features", "x=" + a, "--features", "y=" + nan));
    Path inf = dir.resolve("inf.npy");
    NpyWriter.writeFloat64(inf, new double[][] {{0}, {Double.POSITIVE_INFINITY}, {2}, {3}, {4}, {5}});
    refused("inf.npy: row 1, column 0: value is +infinity", base("--method", "min", "--features", "x=" + inf));
    Path empty = dir.resolve("empty.npy");
    NpyWriter.writeInt64(empty, new long[0]);
    Path emptyF = dir.resolve("emptyf.npy");
    NpyWriter.writeFloat32(emptyF, new float[0][]);
    List<String> args = base("--features", "x=" + emptyF);
    args.set(args.indexOf(labels.toString()), empty.toString());
    refused("no rows", args);
  }

  @Test
  void refusesBadOptions() throws IOException {
    refused("--fraction must be in (0, 1]", replace(base("--features", "x=" + a), "0.5", "0"));
    refused("--fraction must be in (0, 1]", replace(base("--features", "x=" + a), "0.5", "1.5"));
    refused("--fraction must be in (0, 1]", replace(base("--features", "x=" + a), "0.5", "NaN"));
    refused("unknown method 'best'", base("--method", "best", "--features", "x=" + a));
    refused("kcenter takes exactly one --features, got 2", base("--method", "kcenter", "--features", "x=" + a, "--features", "y=" + b));
    refused("feature name 'x' is given twice", base("--features", "x=" + a, "--features", "x=" + b));
    refused("--features expects NAME=FILE", base("--features", a.toString()));
    refused("Missing required option", List.of("select", "--fraction", "0.5", "--labels", labels.toString(),
        "--features", "x=" + a));
    refused("does not exist", base("--features", "x=" + a, "--scores", dir.resolve("no/such/dir/s.csv").toString()));
  }

  @Test
  void aFailedRunLeavesAnEarlierOutputAlone() throws IOException {
    Files.writeString(out, "previous\n");
    Path nan = dir.resolve("nan.npy");
    NpyWriter.writeFloat32(nan, new float[][] {{0}, {1}, {Float.NaN}, {3}, {4}, {5}});
    InProcess.Run r = InProcess.run(base("--features", "x=" + nan).toArray(String[]::new));
    assertEquals(2, r.code());
    assertEquals("previous\n", Files.readString(out));
    assertTrue(leftovers().isEmpty());
  }

  static List<String> replace(List<String> args, String from, String to) {
    List<String> c = new ArrayList<>(args);
    c.set(c.indexOf(from), to);
    return c;
  }

  /** Runs select in this JVM with its standard output captured. */
  private static SpecialFiles.Captured<InProcess.Run> selectCapturing(List<String> args) throws Exception {
    return SpecialFiles.capturingStdout(() -> InProcess.run(args.toArray(String[]::new)));
  }

  @Test
  void dashAndDevStdoutAreStandardOutput() throws Exception {
    // as root /dev/stdout through a link of the test's own (see SpecialFiles.devStdout)
    for (String name : List.of("-", SpecialFiles.devStdout(dir).toString())) {
      List<String> args = replace(base("--features", "x=" + a), out.toString(), name);
      SpecialFiles.Captured<InProcess.Run> c = selectCapturing(args);
      assertEquals(0, c.result().code(), c.result().err());
      assertEquals("0\n2\n3\n4\n", c.stdout(), "--out " + name + ": the rows, and nothing else");
      assertEquals("", c.result().out());
      assertEquals("", c.result().err());
    }
    Path scores = dir.resolve("scores.csv");
    SpecialFiles.Captured<InProcess.Run> c = selectCapturing(base("--features", "x=" + a, "--scores", "-"));
    assertEquals(0, c.result().code(), c.result().err());
    List<String> csv = c.stdout().lines().toList();
    assertEquals("index,label,ram,apl,score,rank,selected", csv.get(0));
    assertEquals(7, csv.size());
    assertEquals(List.of("0", "2", "3", "4"), Files.readAllLines(out));
    assertFalse(Files.exists(Path.of("-")), "no file named -");
    assertFalse(Files.exists(scores));
    assertTrue(leftovers().isEmpty());
  }

  @Test
  void refusesBothOutputsOnStandardOutput() throws IOException {
    refused("--out and --scores both go to standard output",
        replace(base("--features", "x=" + a, "--scores", SpecialFiles.devStdout(dir).toString()), out.toString(), "-"));
  }

  @Test
  void writesIntoADeviceAndAFifoAndThroughASymlink() throws Exception {
    // as root a device node of the test's own (c 1 3), never the machine's /dev/null
    Path dev = SpecialFiles.nullDevice(dir);
    Path real = Files.createDirectories(dir.resolve("real")).resolve("scores.csv");
    Files.writeString(real, "old\n");
    Path link = Files.createSymbolicLink(dir.resolve("scores-link.csv"), real);
    InProcess.Run r = InProcess.run(replace(base("--features", "x=" + a, "--scores", link.toString()), out.toString(),
        dev.toString()).toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertTrue(SpecialFiles.isCharDevice(dev), dev + " is still a character device");
    assertTrue(Files.isSymbolicLink(link), "the link stays a link");
    assertEquals(real, Files.readSymbolicLink(link));
    List<String> csv = Files.readAllLines(real);
    assertEquals("index,label,ram,apl,score,rank,selected", csv.get(0));
    assertEquals(7, csv.size());

    Path fifo = SpecialFiles.fifo(dir.resolve("rows.fifo"));
    SpecialFiles.FifoReader reader = new SpecialFiles.FifoReader(fifo);
    r = InProcess.run(replace(base("--features", "x=" + a), out.toString(), fifo.toString()).toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertEquals("0\n2\n3\n4\n", new String(reader.await(), StandardCharsets.US_ASCII));
    assertTrue(SpecialFiles.isFifo(fifo), "still a FIFO");
    assertTrue(leftovers().isEmpty());
    try (Stream<Path> s = Files.list(dir.resolve("real"))) {
      assertEquals(List.of(real), s.toList(), "no temp file beside the link's target");
    }
  }

  @Test
  void refusesADirectoryAndAMissingFolderInOneLine() throws IOException {
    refused("--out " + dir + ": is a directory", replace(base("--features", "x=" + a), out.toString(), dir.toString()));
    Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("gone/s.txt"));
    refused("directory " + dir.resolve("gone") + " does not exist", base("--features", "x=" + a, "--scores", dangling.toString()));
    if (!SpecialFiles.isRoot()) { // root may write anywhere: OutputTargetsITCase runs this check as an unprivileged user
      Path locked = Files.createDirectories(dir.resolve("locked"));
      Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
      refused("directory " + locked + " is not writable", base("--features", "x=" + a, "--scores", locked.resolve("s.csv").toString()));
    }
  }
}
