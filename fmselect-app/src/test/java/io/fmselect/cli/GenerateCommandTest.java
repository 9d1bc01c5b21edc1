package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fmselect.io.NpyMatrix;
import io.fmselect.io.NpyReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate} says what it wrote, one line per file, and the files are what the lines say. */
class GenerateCommandTest {
  @TempDir Path dir;

  @Test
  void printsOneLinePerFileWritten() throws Exception {
    Path g = dir.resolve("g");
    InProcess.Run r = InProcess.run("generate", "--out-dir", g.toString(), "--rows", "50", "--classes", "3",
        "--dims", "4,2", "--names", "p,q", "--flip", "0.1");
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertEquals(List.of(
        g.resolve("labels.npy") + ": 50 int64 labels of 3 classes (10% flipped)",
        g.resolve("p.npy") + ": 50 x 4 float32",
        g.resolve("q.npy") + ": 50 x 2 float32"), r.out().lines().toList());
    assertEquals(50, NpyReader.readLabels(g.resolve("labels.npy")).length);
    NpyMatrix p = NpyReader.mapFeatures(g.resolve("p.npy"));
    assertEquals(List.of(50, 4), List.of(p.rows(), p.dim()));
    NpyMatrix q = NpyReader.mapFeatures(g.resolve("q.npy"));
    assertEquals(List.of(50, 2), List.of(q.rows(), q.dim()));
  }
}
