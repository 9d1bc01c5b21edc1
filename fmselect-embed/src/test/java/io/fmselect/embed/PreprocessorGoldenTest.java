package io.fmselect.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Preprocessing against torchvision: the images and tensors under src/test/resources/preprocess were
 * written by tools/make_preprocess_goldens.py (torchvision 0.14.1, PIL 9.4.0) for odd sizes that hit
 * the truncated resize and the half-to-even crop offsets, down- and upscaling, for bilinear and bicubic,
 * antialias on (PIL) and off (uint8 tensor).
 */
class PreprocessorGoldenTest {
  static final double[] MEAN = {0.48145466, 0.4578275, 0.40821073};
  static final double[] STD = {0.26862954, 0.26130258, 0.27577711};

  static byte[] resource(String name) throws IOException {
    try (InputStream in = PreprocessorGoldenTest.class.getResourceAsStream("/preprocess/" + name)) {
      if (in == null) {
        throw new IOException("no test resource preprocess/" + name + " (tools/make_preprocess_goldens.py)");
      }
      return in.readAllBytes();
    }
  }

  /** A little-endian .npy array: its shape and its data. */
  record Npy(int[] shape, ByteBuffer data) {}

  static Npy npy(String name, String descr) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(resource(name)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals((byte) 0x93, b.get(0), name);
    int major = b.get(6);
    int len = major == 1 ? b.getShort(8) & 0xffff : b.getInt(8);
    int start = major == 1 ? 10 : 12;
    String header = new String(b.array(), start, len, StandardCharsets.ISO_8859_1);
    assertTrue(header.contains("'descr': '" + descr + "'") && header.contains("'fortran_order': False"), header);
    Matcher m = Pattern.compile("'shape': \\(([0-9, ]*)\\)").matcher(header);
    assertTrue(m.find(), header);
    int[] shape = Pattern.compile(",\\s*").splitAsStream(m.group(1).trim()).filter(s -> !s.isEmpty())
        .mapToInt(Integer::parseInt).toArray();
    return new Npy(shape, b.position(start + len).slice().order(ByteOrder.LITTLE_ENDIAN));
  }

  record Case(String name, int width, int height, int resize, int crop) {}

  static List<Case> cases() throws IOException {
    List<Case> out = new ArrayList<>();
    for (String line : new String(resource("cases.tsv"), StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        String[] f = line.split("\t");
        out.add(new Case(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
            Integer.parseInt(f[4])));
      }
    }
    return out;
  }

  @Test
  void matchesTorchvision() throws Exception {
    List<Case> cases = cases();
    assertEquals(9, cases.size());
    int compared = 0;
    StringBuilder report = new StringBuilder();
    for (Case c : cases) {
      Preprocessor.Rgb img = Preprocessor.decode(resource(c.name() + ".png"));
      assertEquals(c.width(), img.width());
      assertEquals(c.height(), img.height());
      for (ModelSpec.Interpolation interp : ModelSpec.Interpolation.values()) {
        for (boolean aa : new boolean[] {true, false}) {
          String golden = c.name() + "-" + interp.name().toLowerCase(java.util.Locale.ROOT) + "-" + (aa ? "aa" : "noaa");
          ModelSpec spec = PreprocessorTest.spec(c.crop(), c.resize(), interp, aa, MEAN, STD, false);
          // the 8-bit crop: H x W x 3
          Npy u8 = npy(golden + ".u8.npy", "|u1");
          assertArrayEquals(new int[] {c.crop(), c.crop(), 3}, u8.shape(), golden);
          int[] px = Preprocessor.resizeAndCrop(img, spec).pixels();
          int maxU8 = 0;
          int differ = 0;
          for (int i = 0; i < px.length; i++) {
            for (int ch = 0; ch < 3; ch++) {
              int d = Math.abs((px[i] >> (16 - 8 * ch) & 0xff) - (u8.data().get(3 * i + ch) & 0xff));
              maxU8 = Math.max(maxU8, d);
              differ += d == 0 ? 0 : 1;
            }
          }
          // the normalized tensor: 3 x H x W
          Npy f32 = npy(golden + ".f32.npy", "<f4");
          assertArrayEquals(new int[] {3, c.crop(), c.crop()}, f32.shape(), golden);
          float[] t = Preprocessor.tensor(img, spec);
          double maxF = 0;
          for (int i = 0; i < t.length; i++) {
            maxF = Math.max(maxF, Math.abs(t[i] - f32.data().getFloat(4 * i)));
          }
          report.append(String.format("%s: uint8 max %d (%d of %d differ), float max %.3g%n", golden, maxU8, differ,
              t.length, maxF));
          if (aa || interp == ModelSpec.Interpolation.BILINEAR) {
            // PIL, and torch's bilinear kernel: bit for bit
            assertEquals(0, maxU8, golden + ": " + differ + " uint8 values differ");
            assertEquals(0.0, maxF, golden + ": the tensor differs");
          } else {
            // torch's bicubic kernel: its own CPU variants (ATEN_CPU_CAPABILITY=default vs avx2) differ by a step
            // on a few values whose float result lies within rounding of a half; so may this one
            assertTrue(maxU8 <= 1 && differ * 500 <= t.length, golden + ": " + differ + " uint8 values differ, max " + maxU8);
            assertEquals(0.0, maxF, 1.0 / 255 / STD[1] + 1e-6, golden);
          }
          compared += t.length;
        }
      }
    }
    System.out.print(report);
    System.out.println("compared " + compared + " tensor values with torchvision's");
  }
}
