package io.fmselect.demo;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** PNG encoding and image decoding in memory (no ImageIO cache files). */
public final class Png {
  private Png() {}

  /** The PNG bytes of {@code image}. */
  public static byte[] encode(BufferedImage image) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      if (!ImageIO.write(image, "png", out)) {
        throw new IllegalStateException("no PNG writer in this JVM");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: does not happen
    }
    return bytes.toByteArray();
  }

  /** Decodes image bytes in any format ImageIO reads; null if they are not such an image. */
  static BufferedImage decode(byte[] bytes) {
    try {
      return ImageIO.read(new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))); // closes the stream
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
