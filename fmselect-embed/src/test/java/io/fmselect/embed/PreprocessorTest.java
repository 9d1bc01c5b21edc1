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
    return spec(inputSize, resize, ModelSpec.Interpolation.BILINEAR, false, mean, std, bgr);
  }

  static ModelSpec spec(int inputSize, int resize, ModelSpec.Interpolation interpolation, boolean antialias,
      double[] mean, double[] std, boolean bgr) {
    return new ModelSpec(Path.of("t.yaml"), "t", Path.of("t.onnx"), "OnnxRuntime", inputSize, resize, interpolation,
        antialias, mean, std, bgr, "0", ModelSpec.Pooling.NONE, 4, "cpu", 8, 10);
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
        // torchvision's float32 steps: ToTensor divides by 255, Normalize subtracts and divides
        want[c * 4 + i] = (v / 255f - (float) mean[c]) / (float) std[c];
      }
    }
    assertArrayEquals(want, t);
    // BGR: tensor channel 0 is blue, with the spec's first mean and std
    float[] b = Preprocessor.tensor(Preprocessor.decode(png(rgb(2, 2, px))), spec(2, 2, mean, std, true));
    assertEquals((0x30 / 255f - 0.5f) / 0.5f, b[0]);
    assertEquals((0x10 / 255f - 0f) / 2f, b[8]);
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
  void geometryIsTorchvisions() {
    // Resize(256) of 320 x 240: the longer side 341.33 truncated; CenterCrop(224): left round(58.5) = 58
    assertArrayEquals(new int[] {341, 256}, Preprocessor.resizedSize(320, 240, 256));
    assertEquals(58, Preprocessor.cropOffset(341, 224));
    assertEquals(16, Preprocessor.cropOffset(256, 224));
    // 525 x 350 at 175: 262.5 truncated to 262, also for a portrait image
    assertArrayEquals(new int[] {262, 175}, Preprocessor.resizedSize(525, 350, 175));
    assertArrayEquals(new int[] {175, 262}, Preprocessor.resizedSize(350, 525, 175));
    // 35 x 47 at 20: 26.86 -> 26, not 27; equal sides stay equal
    assertArrayEquals(new int[] {20, 26}, Preprocessor.resizedSize(35, 47, 20));
    assertArrayEquals(new int[] {19, 19}, Preprocessor.resizedSize(50, 50, 19));
    // offsets round half to even: 2.5 -> 2, 3.5 -> 4, 0.5 -> 0
    assertEquals(2, Preprocessor.cropOffset(13, 8));
    assertEquals(4, Preprocessor.cropOffset(32, 25));
    assertEquals(0, Preprocessor.cropOffset(32, 31));
  }

  @Test
  void antialiasingAveragesWhatItSkips() throws Exception {
    // 8 x 8 blue stripes 0, 255, 0, 255, ... halved twice (to 2 x 2)
    Preprocessor.Rgb img = new Preprocessor.Rgb(8, 8, new int[64]);
    for (int i = 0; i < 64; i++) {
      img.pixels()[i] = i % 2 == 0 ? 0 : 255;
    }
    double[] zero = new double[3];
    double[] one = {1, 1, 1};
    // without antialiasing, output x samples source x = 1.5 and 5.5: two neighbours, 127.5, to 128 (half to even)
    ModelSpec noAa = spec(2, 2, ModelSpec.Interpolation.BILINEAR, false, zero, one, false);
    assertArrayEquals(new int[] {128, 128, 128, 128}, Preprocessor.resizeAndCrop(img, noAa).pixels());
    // PIL's triangle widened to 4 pixels each side covers 7 stripes: 3 or 4 of them bright (PIL gives 118, 137)
    ModelSpec aa = spec(2, 2, ModelSpec.Interpolation.BILINEAR, true, zero, one, false);
    assertArrayEquals(new int[] {118, 137, 118, 137}, Preprocessor.resizeAndCrop(img, aa).pixels());
  }

  @Test
  void undecodableBytesAreABadImage() {
    var e = assertThrows(Preprocessor.BadImageException.class, () -> Preprocessor.decode(new byte[] {1, 2, 3}));
    assertTrue(e.getMessage().contains("not an image"), e.getMessage());
  }
}
