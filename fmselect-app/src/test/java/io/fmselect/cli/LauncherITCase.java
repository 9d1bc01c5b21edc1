package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/fmselect} as a user runs it: a separate process, the packaged jar. */
public class LauncherITCase {
  @TempDir Path dir;

  public record Result(int code, String out, String err) {}

  public static Result launch(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of("bin/fmselect").toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("launcher", ".out");
    Path err = Files.createTempFile("launcher", ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "launcher finished");
    Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  @Test
  void generatesSelectsAndExplains() throws Exception {
    Result g = launch("generate", "--out-dir", dir.toString(), "--rows", "3000", "--classes", "12", "--dims", "48,20",
        "--names", "a,b");
    assertEquals(0, g.code(), g.err());
    assertEquals("", g.err(), "nothing on stderr (the incubator-module warning is filtered)");
    Path sel = dir.resolve("sel.txt");
    Path csv = dir.resolve("scores.csv");
    Result s = launch("select", "--fraction", "0.1", "--labels", dir.resolve("labels.npy").toString(),
        "--features", "a=" + dir.resolve("a.npy"), "--features", "b=" + dir.resolve("b.npy"),
        "--out", sel.toString(), "--scores", csv.toString());
    assertEquals(0, s.code(), s.err());
    assertEquals("", s.err());
    List<String> rows = Files.readAllLines(sel);
    assertTrue(rows.size() >= 290 && rows.size() <= 310, "about 10% kept: " + rows.size());
    assertEquals(3001, Files.readAllLines(csv).size());
  }

  @Test
  void badInputIsOneLineAndExitTwo() throws Exception {
    Path sel = dir.resolve("sel.txt");
    Result r = launch("select", "--fraction", "0.1", "--labels", dir.resolve("missing.npy").toString(),
        "--features", "a=" + dir.resolve("a.npy"), "--out", sel.toString());
    assertEquals(2, r.code());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains("missing.npy: no such file"), r.err());
    assertFalse(Files.exists(sel));
  }
}
