package io.fmselect.embed;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Image bytes -> one FM's input tensor, exactly as its {@link ModelSpec} says:
 * <ol>
 *   <li>decode (PNG, JPEG, or any format ImageIO reads; grayscale becomes three equal channels, alpha
 *       is dropped);
 *   <li>resize so that the shorter side is {@code resize} (the longer side scaled alike and rounded),
 *       bilinear with half-pixel centers and edge clamping, no antialiasing (torchvision's
 *       {@code antialias=False}, OpenCV's {@code INTER_LINEAR}); skipped when the size already fits;
 *   <li>center crop to {@code input_size} square (offsets rounded as torchvision's {@code center_crop});
 *   <li>scale 8-bit values to [0, 1], subtract {@code mean} and divide by {@code std} per channel;
 *   <li>lay out as CHW float32 in the spec's channel order.
 * </ol>
 * Arithmetic in double, one rounding to float at the end. Thread-safe (no state).
 */
public final class Preprocessor {
  private Preprocessor() {}

  /** An image that cannot be used, with why. */
  public static final class BadImageException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadImageException(String message) {
      super(message);
    }
  }

  /** Decodes image bytes into 8-bit RGB pixels. */
  public static Rgb decode(byte[] bytes) throws BadImageException {
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      throw new BadImageException("not a readable image: " + e.getMessage());
    }
    if (img == null) {
      throw new BadImageException("not an image in a known format (PNG, JPEG, ...)");
    }
    int w = img.getWidth();
    int h = img.getHeight();
    int[] rgb;
    if (img.getRaster().getNumBands() == 1 && img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY) {
      // gray: replicate the stored value (getRGB would convert linear gray to sRGB and change it)
      int bits = img.getColorModel().getComponentSize(0);
      rgb = new int[w * h];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int g = img.getRaster().getSample(x, y, 0) >> (bits - 8);
          rgb[y * w + x] = g << 16 | g << 8 | g;
        }
      }
    } else {
      rgb = img.getRGB(0, 0, w, h, null, 0, w); // any other type, as sRGB
    }
    return new Rgb(w, h, rgb);
  }

  /** Pixels as 0xRRGGBB ints, row-major. */
  public record Rgb(int width, int height, int[] pixels) {
    int channel(int x, int y, int c) {
      return (pixels[y * width + x] >> (16 - 8 * c)) & 0xff;
    }
  }

  /** The spec's input tensor of one image: 3 x input_size x input_size, CHW. */
  public static float[] tensor(Rgb img, ModelSpec spec) {
    int s = spec.inputSize();
    float[] out = new float[3 * s * s];
    write(img, spec, out, 0);
    return out;
  }

  /** Writes the tensor of one image into {@code out} at {@code offset} (3 x s x s floats). */
  public static void write(Rgb img, ModelSpec spec, float[] out, int offset) {
    int w = img.width();
    int h = img.height();
    int shorter = Math.min(w, h);
    int rw = w;
    int rh = h;
    if (shorter != spec.resize()) {
      rw = w <= h ? spec.resize() : (int) Math.round((double) w * spec.resize() / h);
      rh = h < w ? spec.resize() : (int) Math.round((double) h * spec.resize() / w);
    }
    int s = spec.inputSize();
    int top = (int) Math.round((rh - s) / 2.0);
    int left = (int) Math.round((rw - s) / 2.0);
    double sx = (double) w / rw;
    double sy = (double) h / rh;
    for (int c = 0; c < 3; c++) {
      int src = spec.bgr() ? 2 - c : c; // tensor channel c reads image channel src
      double mean = spec.mean()[c];
      double std = spec.std()[c];
      for (int y = 0; y < s; y++) {
        for (int x = 0; x < s; x++) {
          double v = rw == w && rh == h ? img.channel(x + left, y + top, src)
              : bilinear(img, (x + left + 0.5) * sx - 0.5, (y + top + 0.5) * sy - 0.5, src);
          out[offset + (c * s + y) * s + x] = (float) ((v / 255.0 - mean) / std);
        }
      }
    }
  }

  private static double bilinear(Rgb img, double fx, double fy, int c) {
    fx = Math.min(Math.max(fx, 0), img.width() - 1);
    fy = Math.min(Math.max(fy, 0), img.height() - 1);
    int x0 = (int) Math.floor(fx);
    int y0 = (int) Math.floor(fy);
    int x1 = Math.min(x0 + 1, img.width() - 1);
    int y1 = Math.min(y0 + 1, img.height() - 1);
    double ax = fx - x0;
    double ay = fy - y0;
    double top = img.channel(x0, y0, c) * (1 - ax) + img.channel(x1, y0, c) * ax;
    double bottom = img.channel(x0, y1, c) * (1 - ax) + img.channel(x1, y1, c) * ax;
    return top * (1 - ay) + bottom * ay;
  }
}
