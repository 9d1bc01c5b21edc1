package io.fmselect.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Preprocessing against pixels computed by hand. */
class PreprocessorTest {

  static ModelSpec spec(int inputSize, int resize, double[] mean, double[] std, boolean bgr) {
    return new ModelSpec(Path.of("t.yaml"), "t", Path.of("t.onnx"), "OnnxRuntime", inputSize, resize, mean, std, bgr,
        "0", ModelSpec.Pooling.NONE, 4, "cpu", 8, 10);
  }

  static byte[] png(BufferedImage img) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  static BufferedImage rgb(int w, int h, int[] pixels) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, w, h, pixels, 0, w);
    return img;
  }

  @Test
  void normalizesEachChannelAndLaysOutChw() throws Exception {
    int[] px = {0x102030, 0x405060, 0x708090, 0xa0b0c0};
    double[] mean = {0.5, 0.25, 0.0};
    double[] std = {0.5, 0.25, 2.0};
    float[] t = Preprocessor.tensor(Preprocessor.decode(png(rgb(2, 2, px))), spec(2, 2, mean, std, false));
    float[] want = new float[12];
    for (int i = 0; i < 4; i++) {
      for (int c = 0; c < 3; c++) {
        int v = (px[i] >> (16 - 8 * c)) & 0xff;
        want[c * 4 + i] = (float) ((v / 255.0 - mean[c]) / std[c]);
      }
    }
    assertArrayEquals(want, t);
    // BGR: tensor channel 0 is blue, with the spec's first mean and std
    float[] b = Preprocessor.tensor(Preprocessor.decode(png(rgb(2, 2, px))), spec(2, 2, mean, std, true));
    assertEquals((float) ((0x30 / 255.0 - 0.5) / 0.5), b[0]);
    assertEquals((float) ((0x10 / 255.0 - 0.0) / 2.0), b[8]);
  }

  @Test
  void grayscaleBecomesThreeEqualChannels() throws Exception {
    BufferedImage g = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    g.getRaster().setSample(0, 0, 0, 128);
    g.getRaster().setSample(1, 0, 0, 7);
    Preprocessor.Rgb img = Preprocessor.decode(png(g));
    assertEquals(0x808080, img.pixels()[0]);
    assertEquals(0x070707, img.pixels()[1]);
  }

  @Test
  void centerCropsTheLongerSide() throws Exception {
    // 4 x 2, shorter side already 2: no resize, crop columns 1..2
    int[] px = {10, 20, 30, 40, 50, 60, 70, 80};
    ModelSpec s = spec(2, 2, new double[3], new double[] {1, 1, 1}, false);
    float[] t = Preprocessor.tensor(Preprocessor.decode(png(rgb(4, 2, px))), s);
    // blue channel (index 2) holds the low byte
    assertArrayEquals(new float[] {20 / 255f, 30 / 255f, 60 / 255f, 70 / 255f},
        new float[] {t[8], t[9], t[10], t[11]}, 1e-7f);
  }

  @Test
  void bilinearDownscaleAveragesWithHalfPixelCenters() throws Exception {
    // 4 x 4 -> 2 x 2: each output pixel samples at the center of a 2 x 2 block, i.e. its mean
    int[] px = new int[16];
    for (int i = 0; i < 16; i++) {
      px[i] = i * 10; // blue channel only
    }
    ModelSpec s = spec(2, 2, new double[3], new double[] {1, 1, 1}, false);
    float[] t = Preprocessor.tensor(Preprocessor.decode(png(rgb(4, 4, px))), s);
    double topLeft = (0 + 10 + 40 + 50) / 4.0;
    double bottomRight = (100 + 110 + 140 + 150) / 4.0;
    assertEquals((float) (topLeft / 255.0), t[8]);
    assertEquals((float) (bottomRight / 255.0), t[11]);
    // upscale 2 x 2 -> 4 x 4 (resize 4, crop 4): pixel (1, 0) samples x = 0.25 between columns 0 and 1
    int[] small = {0, 100, 200, 40};
    float[] u = Preprocessor.tensor(Preprocessor.decode(png(rgb(2, 2, small))),
        spec(4, 4, new double[3], new double[] {1, 1, 1}, false));
    assertEquals((float) (25 / 255.0), u[2 * 16 + 1]);
    assertEquals(0f, u[2 * 16]); // (0, 0) clamps to the corner
  }

  @Test
  void undecodableBytesAreABadImage() {
    var e = assertThrows(Preprocessor.BadImageException.class, () -> Preprocessor.decode(new byte[] {1, 2, 3}));
    assertTrue(e.getMessage().contains("not an image"), e.getMessage());
  }
}
