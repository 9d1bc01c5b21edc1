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
 * Image bytes -> one FM's input tensor, exactly as its {@link ModelSpec} says, and exactly as torchvision
 * 0.14's {@code Resize(resize, interpolation)}, {@code CenterCrop(input_size)}, {@code ToTensor()},
 * {@code Normalize(mean, std)} give it (docs/design.md, "Preprocessing"):
 * <ol>
 *   <li>decode (PNG, JPEG, or any format ImageIO reads; grayscale becomes three equal channels, alpha
 *       is dropped);
 *   <li>resize so that the shorter side is {@code resize} and the longer one
 *       {@code floor(resize * long / short)} (torchvision truncates); nothing is done when that is the
 *       image's own size. With {@code antialias: true} as PIL resamples (what torchvision does on a PIL
 *       image): separable, the filter widened by the scale when downscaling, weights in 22-bit fixed
 *       point, the horizontal pass rounded to 8 bits before the vertical one; bicubic with a = -0.5.
 *       With {@code antialias: false} as {@code torch.nn.functional.interpolate} on a uint8 tensor
 *       ({@code align_corners=False}): source coordinate {@code (i + 0.5) * in / out - 0.5}, taps
 *       clamped at the edges, no widening, bicubic with a = -0.75, float32 arithmetic, clamped to
 *       [0, 255] and rounded half to even;
 *   <li>center crop to {@code input_size} square at offsets {@code round_half_even((size - crop) / 2)};
 *   <li>scale 8-bit values to [0, 1] ({@code v / 255}), subtract {@code mean} and divide by {@code std}
 *       per channel, in float32 as torchvision does;
 *   <li>lay out as CHW float32 in the spec's channel order.
 * </ol>
 * Only the pixels of the crop are computed. Thread-safe (no state).
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
    Rgb crop = resizeAndCrop(img, spec);
    int plane = crop.width() * crop.height();
    int[] px = crop.pixels();
    for (int c = 0; c < 3; c++) {
      int t = spec.bgr() ? 2 - c : c; // tensor channel of image channel c (R, G, B)
      float mean = (float) spec.mean()[t];
      float std = (float) spec.std()[t];
      int sh = 16 - 8 * c;
      int base = offset + t * plane;
      for (int i = 0; i < plane; i++) {
        out[base + i] = (((px[i] >> sh) & 0xff) / 255f - mean) / std;
      }
    }
  }

  /** torchvision's size after {@code Resize(size)} of a w x h image: {width, height}. */
  public static int[] resizedSize(int w, int h, int size) {
    int shorter = Math.min(w, h);
    int longer = (int) ((double) ((long) size * Math.max(w, h)) / shorter); // truncated, as int() does
    return w <= h ? new int[] {size, longer} : new int[] {longer, size};
  }

  /** torchvision's {@code center_crop} offset along a side of {@code n} pixels: round half to even. */
  public static int cropOffset(int n, int crop) {
    return (int) Math.rint((n - crop) / 2.0);
  }

  /** The 8-bit pixels after the spec's resize and center crop: input_size x input_size. */
  public static Rgb resizeAndCrop(Rgb img, ModelSpec spec) {
    int w = img.width();
    int h = img.height();
    int[] size = resizedSize(w, h, spec.resize());
    int s = spec.inputSize();
    int left = cropOffset(size[0], s);
    int top = cropOffset(size[1], s);
    if (size[0] == w && size[1] == h) {
      int[] out = new int[s * s];
      for (int y = 0; y < s; y++) {
        System.arraycopy(img.pixels(), (y + top) * w + left, out, y * s, s);
      }
      return new Rgb(s, s, out);
    }
    boolean cubic = spec.interpolation() == ModelSpec.Interpolation.BICUBIC;
    return spec.antialias() ? Resample.pil(img, size[0], size[1], left, top, s, cubic)
        : Resample.tensor(img, size[0], size[1], left, top, s, cubic);
  }
}
