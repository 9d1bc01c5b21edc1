package io.fmselect.embed;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

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
    BufferedImage img = null;
    // a stream over the bytes in memory: ImageIO.read would cache the stream in a temporary file
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (readers.hasNext()) {
        ImageReader reader = readers.next();
        try {
          reader.setInput(in, true, true);
          img = reader.read(0);
        } finally {
          reader.dispose();
        }
      }
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
    } else if (img.getType() == BufferedImage.TYPE_3BYTE_BGR) {
      // what the PNG and JPEG readers give for colour images: read the bytes, not pixel by pixel
      byte[] d = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
      rgb = new int[w * h];
      for (int i = 0; i < rgb.length; i++) {
        rgb[i] = (d[3 * i + 2] & 0xff) << 16 | (d[3 * i + 1] & 0xff) << 8 | (d[3 * i] & 0xff);
      }
    } else {
      rgb = img.getRGB(0, 0, w, h, null, 0, w); // any other type, as sRGB
    }
    return new Rgb(w, h, rgb);
  }

  /** Pixels as 0xRRGGBB ints, row-major. */
  public record Rgb(int width, int height, int[] pixels) {}

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
    boolean resized = rw != w || rh != h;
    // per output column and row: the two source pixels and the weight of the second (separable)
    int[] x0 = new int[s];
    int[] x1 = new int[s];
    double[] ax = new double[s];
    int[] y0 = new int[s];
    int[] y1 = new int[s];
    double[] ay = new double[s];
    taps((double) w / rw, left, w, resized, x0, x1, ax);
    taps((double) h / rh, top, h, resized, y0, y1, ay);
    double[] scale = new double[3];
    double[] shift = new double[3];
    int[] dst = new int[3]; // tensor channel of each image channel (R, G, B)
    for (int c = 0; c < 3; c++) {
      int t = spec.bgr() ? 2 - c : c;
      dst[c] = t;
      scale[c] = spec.std()[t];
      shift[c] = spec.mean()[t];
    }
    int[] px = img.pixels();
    int iw = img.width();
    int plane = s * s;
    for (int y = 0; y < s; y++) {
      int r0 = y0[y] * iw;
      int r1 = y1[y] * iw;
      double wy = ay[y];
      for (int x = 0; x < s; x++) {
        int p00 = px[r0 + x0[x]];
        int p10 = px[r0 + x1[x]];
        int p01 = px[r1 + x0[x]];
        int p11 = px[r1 + x1[x]];
        double wx = ax[x];
        for (int c = 0; c < 3; c++) {
          int sh = 16 - 8 * c;
          double v;
          if (resized) {
            double topRow = ((p00 >> sh) & 0xff) * (1 - wx) + ((p10 >> sh) & 0xff) * wx;
            double bottomRow = ((p01 >> sh) & 0xff) * (1 - wx) + ((p11 >> sh) & 0xff) * wx;
            v = topRow * (1 - wy) + bottomRow * wy;
          } else {
            v = (p00 >> sh) & 0xff;
          }
          out[offset + dst[c] * plane + y * s + x] = (float) ((v / 255.0 - shift[c]) / scale[c]);
        }
      }
    }
  }

  /**
   * Bilinear taps along one axis: output i samples source coordinate (i + crop + 0.5) * step - 0.5,
   * clamped to the image; without resizing, output i is source pixel i + crop.
   */
  private static void taps(double step, int crop, int n, boolean resized, int[] i0, int[] i1, double[] a) {
    for (int i = 0; i < i0.length; i++) {
      if (!resized) {
        i0[i] = i + crop;
        i1[i] = i + crop;
        continue;
      }
      double f = Math.min(Math.max((i + crop + 0.5) * step - 0.5, 0), n - 1);
      i0[i] = (int) Math.floor(f);
      i1[i] = Math.min(i0[i] + 1, n - 1);
      a[i] = f - i0[i];
    }
  }
}
