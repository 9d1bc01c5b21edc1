package io.fmselect.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A generated image set so the demo runs without any data: 10 classes of shapes and textures drawn with
 * Java2D on 64x64 RGB, each image with its own seeded position, size, colours, rotation and pixel noise.
 * Image i is of class i mod 10 and depends only on (seed, i).
 */
final class GeneratedImages implements Source {
  static final int SIZE = 64;
  /** Images in the set unless a larger count is asked for. */
  static final int DEFAULT_COUNT = 2_000;
  static final List<String> CLASSES = List.of("circle", "square", "triangle", "stripes", "checkers", "cross", "ring",
      "dots", "diagonals", "gradient");

  private final int count;
  private final long seed;

  GeneratedImages(int count, long seed) {
    if (count < 1) {
      throw new IllegalArgumentException("generated images: count must be at least 1, not " + count);
    }
    this.count = count;
    this.seed = seed;
  }

  @Override
  public String name() {
    return "generated shapes and textures (seed " + seed + ")";
  }

  @Override
  public String unit() {
    return "images";
  }

  @Override
  public List<String> classNames() {
    return CLASSES;
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public int label(int i) {
    return i % CLASSES.size();
  }

  @Override
  public String id(int i) {
    return String.format("gen-%06d", i);
  }

  @Override
  public String origin(int i) {
    return "generated:" + i;
  }

  @Override
  public byte[] image(int i) {
    return Png.encode(draw(i));
  }

  /** Draws image {@code i}. */
  BufferedImage draw(int i) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x5DEECE66DL * (i + 1));
    BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      float bgBright = r.nextBoolean() ? 0.15f + 0.2f * (float) r.nextDouble() : 0.75f + 0.2f * (float) r.nextDouble();
      Color bg = Color.getHSBColor((float) r.nextDouble(), 0.35f * (float) r.nextDouble(), bgBright);
      Color fg = Color.getHSBColor((float) r.nextDouble(), 0.5f + 0.5f * (float) r.nextDouble(),
          bgBright < 0.5f ? 0.7f + 0.3f * (float) r.nextDouble() : 0.1f + 0.3f * (float) r.nextDouble());
      g.setColor(bg);
      g.fillRect(0, 0, SIZE, SIZE);
      double cx = 20 + 24 * r.nextDouble();
      double cy = 20 + 24 * r.nextDouble();
      double s = 14 + 12 * r.nextDouble(); // half-size of a shape
      double theta = 2 * Math.PI * r.nextDouble();
      g.setColor(fg);
      AffineTransform at = new AffineTransform();
      at.translate(cx, cy);
      at.rotate(theta);
      switch (label(i)) {
        case 0 -> { // circle (slightly elliptic)
          double a = s * (0.85 + 0.15 * r.nextDouble());
          g.transform(at);
          g.fill(new Ellipse2D.Double(-s, -a, 2 * s, 2 * a));
        }
        case 1 -> { // square
          g.transform(at);
          g.fill(new Rectangle2D.Double(-0.8 * s, -0.8 * s, 1.6 * s, 1.6 * s));
        }
        case 2 -> { // triangle
          g.transform(at);
          Polygon p = new Polygon();
          for (int k = 0; k < 3; k++) {
            double t = k * 2 * Math.PI / 3;
            p.addPoint((int) Math.round(s * Math.cos(t)), (int) Math.round(s * Math.sin(t)));
          }
          g.fill(p);
        }
        case 3 -> { // thick stripes, near-horizontal or near-vertical
          double period = 8 + 6 * r.nextDouble();
          g.rotate((r.nextBoolean() ? 0 : Math.PI / 2) + Math.toRadians(-15 + 30 * r.nextDouble()), SIZE / 2.0, SIZE / 2.0);
          for (double y = -SIZE; y < 2 * SIZE; y += period) {
            g.fill(new Rectangle2D.Double(-SIZE, y, 3 * SIZE, period / 2));
          }
        }
        case 4 -> { // checkers
          double cell = 6 + 6 * r.nextDouble();
          g.rotate(Math.toRadians(-10 + 20 * r.nextDouble()), SIZE / 2.0, SIZE / 2.0);
          for (int y = -8; y < 16; y++) {
            for (int x = -8; x < 16; x++) {
              if (((x + y) & 1) == 0) {
                g.fill(new Rectangle2D.Double(x * cell, y * cell, cell, cell));
              }
            }
          }
        }
        case 5 -> { // cross
          g.transform(at);
          double w = s * (0.25 + 0.15 * r.nextDouble());
          g.fill(new Rectangle2D.Double(-s, -w, 2 * s, 2 * w));
          g.fill(new Rectangle2D.Double(-w, -s, 2 * w, 2 * s));
        }
        case 6 -> { // ring
          float w = (float) (3 + 3 * r.nextDouble());
          g.setStroke(new BasicStroke(w));
          g.draw(new Ellipse2D.Double(cx - s + w / 2, cy - s + w / 2, 2 * s - w, 2 * s - w));
        }
        case 7 -> { // dots
          int n = 10 + r.nextInt(12);
          for (int k = 0; k < n; k++) {
            double d = 3 + 4 * r.nextDouble();
            g.fill(new Ellipse2D.Double(2 + (SIZE - 4 - d) * r.nextDouble(), 2 + (SIZE - 4 - d) * r.nextDouble(), d, d));
          }
        }
        case 8 -> { // thin diagonal lines
          double period = 5 + 4 * r.nextDouble();
          g.setStroke(new BasicStroke((float) (1.2 + 0.8 * r.nextDouble())));
          g.rotate((r.nextBoolean() ? Math.PI / 4 : -Math.PI / 4) + Math.toRadians(-10 + 20 * r.nextDouble()),
              SIZE / 2.0, SIZE / 2.0);
          for (double y = -SIZE; y < 2 * SIZE; y += period) {
            g.draw(new Line2D.Double(-SIZE, y, 2 * SIZE, y));
          }
        }
        default -> { // linear gradient from the background to the foreground colour
          double dx = Math.cos(theta) * SIZE / 2;
          double dy = Math.sin(theta) * SIZE / 2;
          g.setPaint(new GradientPaint((float) (SIZE / 2.0 - dx), (float) (SIZE / 2.0 - dy), bg,
              (float) (SIZE / 2.0 + dx), (float) (SIZE / 2.0 + dy), fg));
          g.fillRect(0, 0, SIZE, SIZE);
        }
      }
    } finally {
      g.dispose();
    }
    addNoise(img, r, 6 + 8 * r.nextDouble());
    return img;
  }

  private static void addNoise(BufferedImage img, SplittableRandom r, double sigma) {
    int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData(); // TYPE_INT_RGB: 0xRRGGBB per pixel
    for (int p = 0; p < px.length; p++) {
      int rgb = px[p];
      int out = 0;
      for (int shift = 16; shift >= 0; shift -= 8) {
        int v = (int) Math.round(((rgb >> shift) & 0xff) + sigma * r.nextGaussian());
        out |= Math.max(0, Math.min(255, v)) << shift;
      }
      px[p] = out;
    }
  }
}
