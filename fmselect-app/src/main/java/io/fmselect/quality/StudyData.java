package io.fmselect.quality;

import io.fmselect.demo.FashionMnist;
import io.fmselect.embed.ImageFolder;
import io.fmselect.embed.Preprocessor;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A labeled image set split for the study: the training pool (what selection chooses from; its images go
 * to the encoders and, for the chosen rows, to the classifier) and the held-out test split (only the
 * classifier sees it). Fashion-MNIST comes from Debian's {@code dataset-fashion-mnist}: the pool is the
 * first {@code pool / classes} training images of every class in file order, the test split the first
 * {@code test} test images. A folder holds {@code train/CLASS/*} and {@code test/CLASS/*}; its images are
 * squashed to {@code size x size} RGB for the classifier and given whole to the encoders.
 *
 * @param name what it is, for reports
 * @param key what identifies it in caches (source, pool and test sizes)
 * @param classNames label = position
 * @param pool the pool as the classifier sees it, with true labels
 * @param test the test split, with true labels
 * @param images image {@code i} of the pool as RGB, for the encoders
 * @param sourceRows for each pool image, its row in the source's own order (Fashion-MNIST's training file, or
 *     the image folder as {@code fmselect embed} scans it), to read precomputed embeddings by
 * @param sourceRowCount rows in the source's own order
 */
public record StudyData(String name, String key, List<String> classNames, Classifier.Images pool,
    Classifier.Images test, PoolImages images, int[] sourceRows, int sourceRowCount) {

  /** The pool's images for the encoders. */
  @FunctionalInterface
  public interface PoolImages {
    Preprocessor.Rgb image(int i);
  }

  public int classes() {
    return classNames.size();
  }

  /** Fashion-MNIST: {@code pool} training images (an equal share per class) and {@code test} test images. */
  public static StudyData fashionMnist(Path dir, int pool, int test) throws IOException {
    FashionMnist train = FashionMnist.load(dir);
    FashionMnist t10k = FashionMnist.loadTest(dir);
    int classes = train.classNames().size();
    if (pool < classes || pool > train.size() || test < 1 || test > t10k.size()) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "the pool must be %d to %d images and the test split 1 to %d", classes, train.size(), t10k.size()));
    }
    int per = pool / classes;
    int[] taken = new int[classes];
    List<Integer> rows = new ArrayList<>();
    for (int i = 0; i < train.size() && rows.size() < per * classes; i++) {
      int l = train.label(i);
      if (taken[l] < per) {
        taken[l]++;
        rows.add(i);
      }
    }
    int s = train.rows();
    float[][] px = new float[rows.size()][];
    int[] labels = new int[rows.size()];
    for (int k = 0; k < rows.size(); k++) {
      px[k] = grey(train.grey(rows.get(k)));
      labels[k] = train.label(rows.get(k));
    }
    float[][] tpx = new float[test][];
    int[] tl = new int[test];
    for (int i = 0; i < test; i++) {
      tpx[i] = grey(t10k.grey(i));
      tl[i] = t10k.label(i);
    }
    int[] source = rows.stream().mapToInt(Integer::intValue).toArray();
    return new StudyData(String.format(Locale.ROOT, "%s: pool of %,d training images (%,d per class), %,d test images",
        train.name(), rows.size(), per, test), "fashion-mnist-" + rows.size() + "-" + test, train.classNames(),
        new Classifier.Images(1, s, px, labels), new Classifier.Images(1, s, tpx, tl), i -> {
          byte[] g = train.grey(source[i]);
          int[] rgb = new int[g.length];
          for (int k = 0; k < g.length; k++) {
            int v = g[k] & 0xff;
            rgb[k] = v << 16 | v << 8 | v;
          }
          return new Preprocessor.Rgb(train.cols(), train.rows(), rgb);
        }, source, train.size());
  }

  /**
   * An image folder: either {@code train/} and {@code test/}, each one sub-folder per class (the same
   * classes), or one sub-folder per class, of which every fifth image of each class (in file name order,
   * the 5th, 10th, ...) is held out as the test split.
   */
  public static StudyData folder(Path dir, int size) throws IOException {
    if (Files.isDirectory(dir.resolve("train")) && Files.isDirectory(dir.resolve("test"))) {
      ImageFolder train = ImageFolder.scan(dir.resolve("train"));
      ImageFolder test = ImageFolder.scan(dir.resolve("test"));
      if (!train.classes().equals(test.classes())) {
        throw new IllegalArgumentException(dir + ": train/ has classes " + train.classes() + " but test/ has "
            + test.classes());
      }
      int n = train.images().size();
      int[] all = new int[n];
      java.util.Arrays.setAll(all, i -> i);
      int[] tests = new int[test.images().size()];
      java.util.Arrays.setAll(tests, i -> i);
      return folder(dir, "train/ and test/", train, all, test, tests, size);
    }
    ImageFolder f = ImageFolder.scan(dir);
    List<Integer> poolRows = new ArrayList<>();
    List<Integer> testRows = new ArrayList<>();
    java.util.Map<Long, Integer> seen = new java.util.HashMap<>();
    for (int i = 0; i < f.images().size(); i++) {
      int k = seen.merge(f.labels()[i], 1, Integer::sum);
      (k % 5 == 0 ? testRows : poolRows).add(i);
    }
    if (testRows.isEmpty()) {
      throw new IllegalArgumentException(dir + ": too few images to hold out every fifth of a class as the test split");
    }
    return folder(dir, "every fifth image of each class held out", f,
        poolRows.stream().mapToInt(Integer::intValue).toArray(), f,
        testRows.stream().mapToInt(Integer::intValue).toArray(), size);
  }

  private static StudyData folder(Path dir, String split, ImageFolder train, int[] poolRows, ImageFolder test,
      int[] testRows, int size) {
    return new StudyData(String.format(Locale.ROOT, "image folder %s (%s): %,d training and %,d test images", dir,
        split, poolRows.length, testRows.length), "folder-" + Integer.toHexString(dir.toAbsolutePath().hashCode())
        + "-" + poolRows.length + "-" + testRows.length + "-" + size, train.classes(), squashed(train, poolRows, size),
        squashed(test, testRows, size), i -> decode(train.images().get(poolRows[i])), poolRows, train.images().size());
  }

  private static Classifier.Images squashed(ImageFolder f, int[] rows, int size) {
    float[][] px = new float[rows.length][];
    int[] labels = new int[px.length];
    for (int i = 0; i < px.length; i++) {
      px[i] = rgb(decode(f.images().get(rows[i])), size);
      labels[i] = (int) f.labels()[rows[i]];
    }
    return new Classifier.Images(3, size, px, labels);
  }

  private static Preprocessor.Rgb decode(Path file) {
    try {
      return Preprocessor.decode(Files.readAllBytes(file));
    } catch (Preprocessor.BadImageException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  private static float[] grey(byte[] g) {
    float[] out = new float[g.length];
    for (int k = 0; k < g.length; k++) {
      out[k] = (g[k] & 0xff) / 255f;
    }
    return out;
  }

  /** Decoded pixels as an image again (for squashing, or for encoding as PNG). */
  public static BufferedImage image(Preprocessor.Rgb img) {
    BufferedImage b = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_INT_RGB);
    b.setRGB(0, 0, img.width(), img.height(), img.pixels(), 0, img.width());
    return b;
  }

  /** An image squashed to size x size (bilinear), as three planes of [0, 1] values. */
  static float[] rgb(Preprocessor.Rgb img, int size) {
    BufferedImage src = image(img);
    BufferedImage dst = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    var g = dst.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, size, size, null);
    g.dispose();
    int[] p = dst.getRGB(0, 0, size, size, null, 0, size);
    float[] out = new float[3 * size * size];
    for (int i = 0; i < p.length; i++) {
      out[i] = (p[i] >> 16 & 0xff) / 255f;
      out[size * size + i] = (p[i] >> 8 & 0xff) / 255f;
      out[2 * size * size + i] = (p[i] & 0xff) / 255f;
    }
    return out;
  }
}
