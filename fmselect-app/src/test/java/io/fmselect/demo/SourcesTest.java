package io.fmselect.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three sources: IDX files (Fashion-MNIST), an image folder, and what open() picks. */
class SourcesTest {
  @TempDir Path tmp;

  /** An IDX file: magic, big-endian dims, bytes. */
  private static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    for (int d : dims) {
      out.writeInt(d);
    }
    out.write(data);
    return bytes.toByteArray();
  }

  private static void gz(Path file, byte[] content) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(content);
    }
  }

  /** Three 2x3 images with pixel value = 10 * item + position, labels 7, 0, 9. */
  private Path tinyFashion(boolean gzipped) throws IOException {
    byte[] pixels = new byte[3 * 6];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (10 * (i / 6) + i % 6);
    }
    byte[] images = idx(Idx.IMAGES, new int[] {3, 2, 3}, pixels);
    byte[] labels = idx(Idx.LABELS, new int[] {3}, new byte[] {7, 0, 9});
    Path dir = Files.createDirectories(tmp.resolve(gzipped ? "gz" : "plain"));
    if (gzipped) {
      gz(dir.resolve("train-images-idx3-ubyte.gz"), images);
      gz(dir.resolve("train-labels-idx1-ubyte.gz"), labels);
    } else {
      Files.write(dir.resolve("train-images-idx3-ubyte"), images);
      Files.write(dir.resolve("train-labels-idx1-ubyte"), labels);
    }
    return dir;
  }

  @Test
  void idxParsesDimsAndBytesGzippedOrNot() throws IOException {
    for (boolean gzipped : new boolean[] {false, true}) {
      Path dir = tinyFashion(gzipped);
      Idx images = Idx.read(dir.resolve("train-images-idx3-ubyte" + (gzipped ? ".gz" : "")), Idx.IMAGES);
      assertArrayEquals(new int[] {3, 2, 3}, images.dims());
      assertEquals(18, images.data().length);
      assertEquals(25, images.data()[17]);
      Idx labels = Idx.read(dir.resolve("train-labels-idx1-ubyte" + (gzipped ? ".gz" : "")), Idx.LABELS);
      assertArrayEquals(new byte[] {7, 0, 9}, labels.data());
    }
  }

  @Test
  void idxRejectsWrongMagicAndShortData() throws IOException {
    Path f = tmp.resolve("bad");
    Files.write(f, idx(Idx.LABELS, new int[] {3}, new byte[] {1, 2, 3}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.read(f, Idx.IMAGES));
    assertTrue(e.getMessage().contains("magic 0x00000801, expected 0x00000803"), e.getMessage());
    Files.write(f, idx(Idx.IMAGES, new int[] {3, 2, 3}, new byte[10]));
    e = assertThrows(IllegalArgumentException.class, () -> Idx.read(f, Idx.IMAGES));
    assertTrue(e.getMessage().contains("cut short (10 of 18 bytes"), e.getMessage());
    Files.write(f, new byte[] {0, 0});
    assertThrows(IllegalArgumentException.class, () -> Idx.read(f, Idx.IMAGES));
  }

  @Test
  void fashionMnistFromTinyIdxFilesGivesGreyPngsWithTheirPixels() throws IOException {
    DemoData d = DemoData.fashionMnist(tinyFashion(true), 0, 1, 1, null);
    assertEquals(3, d.size());
    assertEquals(FashionMnist.CLASSES, d.classNames());
    assertEquals(7, d.label("fm-000000"));
    assertEquals(9, d.trueLabel("fm-000002"));
    DemoData.Shot s = d.byId("fm-000002");
    assertEquals("fashion-mnist:train:2", s.source());
    BufferedImage img = Png.decode(s.image());
    assertEquals(3, img.getWidth());
    assertEquals(2, img.getHeight());
    assertEquals(20, img.getRaster().getSample(0, 0, 0));
    assertEquals(25, img.getRaster().getSample(2, 1, 0));
    assertTrue(d.description().contains("3 of 3 training images, 10 classes"), d.description());
  }

  @Test
  void fashionMnistWithMismatchedCountsOrBadLabelsIsOneLine() throws IOException {
    Path dir = tinyFashion(false);
    Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(Idx.LABELS, new int[] {2}, new byte[] {1, 2}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoData.fashionMnist(dir, 0, 1, 1, null));
    assertTrue(e.getMessage().contains("3 images but"), e.getMessage());
    Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(Idx.LABELS, new int[] {3}, new byte[] {1, 12, 2}));
    e = assertThrows(IllegalArgumentException.class, () -> DemoData.fashionMnist(dir, 0, 1, 1, null));
    assertTrue(e.getMessage().contains("label 12 of item 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DemoData.fashionMnist(tmp.resolve("none"), 0, 1, 1, null));
  }

  @Test
  void installedFashionMnistIsTheDefault() throws IOException, InterruptedException {
    FashionMnistInstall.ensure();
    assumeTrue(System.getProperty(FashionMnist.DIR_PROPERTY) == null);
    DemoData d = DemoData.open(null, 0.1, 1, 42, 1000);
    assertEquals(1000, d.size());
    assertEquals(60_000, d.sourceSize());
    assertEquals("T-shirt/top", d.classNames().get(0));
    assertEquals("Ankle boot", d.classNames().get(9));
    assertTrue(d.description().startsWith("data: Fashion-MNIST (Debian dataset-fashion-mnist), 1,000 of 60,000 training"
        + " images, 10 classes; label noise 10% ("), d.description());
    int[] perClass = new int[10];
    for (String id : d.ids()) {
      assertTrue(id.matches("fm-\\d{6}"), id);
      perClass[(int) d.trueLabel(id)]++;
    }
    for (int n : perClass) {
      assertTrue(n > 50 && n < 150, "a shuffled sample of a balanced set: " + java.util.Arrays.toString(perClass));
    }
    DemoData.Shot first = d.iterator().next();
    BufferedImage img = Png.decode(first.image());
    assertEquals(28, img.getWidth());
    assertEquals(28, img.getHeight());
    // Fashion-MNIST's training item 0 is an ankle boot (label 9)
    assertEquals(9, DemoData.fashionMnist(FashionMnist.DEBIAN_DIR, 0, 1, 1, null).trueLabel("fm-000000"));
  }

  private Path folderOfTwoClasses() throws IOException {
    GeneratedImages gen = new GeneratedImages(20, 3);
    for (int i = 0; i < 6; i++) {
      String cls = i % 2 == 0 ? "circles" : "squares"; // generated image i is of class i mod 10: circle, square
      Path dir = Files.createDirectories(tmp.resolve("imgs").resolve(cls));
      Files.write(dir.resolve(String.format("%02d.png", i)), gen.image(i));
    }
    return tmp.resolve("imgs");
  }

  @Test
  void folderOfTwoClassesLabelsBySortedFolderName() throws IOException {
    Path root = folderOfTwoClasses();
    DemoData d = DemoData.open(root, 0, 1, 1, null);
    assertEquals(List.of("circles", "squares"), d.classNames());
    assertEquals(6, d.size());
    int circles = 0;
    for (DemoData.Shot s : d) {
      Path file = Path.of(s.source());
      assertEquals(file.getParent().getFileName().toString(), d.classNames().get((int) s.label()));
      assertArrayEquals(Files.readAllBytes(file), s.image());
      assertTrue(s.id().matches("img-\\d{6}"), s.id());
      circles += s.label() == 0 ? 1 : 0;
    }
    assertEquals(3, circles);
    assertTrue(d.description().startsWith("data: image folder " + root + ", 6 of 6 images, 2 classes;"), d.description());
    DemoData noisy = DemoData.open(root, 1, 1, 1, null); // R = 1: every label flips to the other class
    for (String id : noisy.ids()) {
      assertEquals(1 - noisy.trueLabel(id), noisy.label(id));
    }
  }

  @Test
  void emptyFolderOrAFileIsAClearError() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoData.open(empty, 0, 1, 1, null));
    assertTrue(e.getMessage().contains("no images"), e.getMessage());
    Files.createDirectories(empty.resolve("cats"));
    e = assertThrows(IllegalArgumentException.class, () -> DemoData.open(empty, 0, 1, 1, null));
    assertTrue(e.getMessage().contains("no images"), e.getMessage());
    Path file = Files.writeString(tmp.resolve("file.txt"), "x");
    e = assertThrows(IllegalArgumentException.class, () -> DemoData.open(file, 0, 1, 1, null));
    assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void withoutFolderOrFashionMnistTheGeneratedSetRuns() throws IOException {
    String before = System.getProperty(FashionMnist.DIR_PROPERTY);
    System.setProperty(FashionMnist.DIR_PROPERTY, tmp.resolve("nowhere").toString());
    try {
      DemoData d = DemoData.open(null, 0, 1, 1, null);
      assertEquals(GeneratedImages.DEFAULT_COUNT, d.size());
      assertEquals(GeneratedImages.CLASSES, d.classNames());
      assertEquals(5000, DemoData.open(null, 0, 1, 1, 5000).size(), "a limit above 2,000 generates that many");
      assertNotNull(Png.decode(d.iterator().next().image()));
    } finally {
      if (before == null) {
        System.clearProperty(FashionMnist.DIR_PROPERTY);
      } else {
        System.setProperty(FashionMnist.DIR_PROPERTY, before);
      }
    }
  }
}
