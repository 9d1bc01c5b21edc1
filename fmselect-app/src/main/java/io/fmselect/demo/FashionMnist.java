package io.fmselect.demo;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The Fashion-MNIST training set (60,000 grey 28x28 images, 10 classes) from its IDX files, as Debian's
 * {@code dataset-fashion-mnist} installs them ({@code /usr/share/datasets/fashion-mnist/train-*-ubyte.gz};
 * the system property {@value #DIR_PROPERTY} names another folder). Pixels stay in one byte array; each
 * image is encoded as PNG when asked for.
 */
public final class FashionMnist implements Source {
  /** System property naming the folder with the IDX files. */
  static final String DIR_PROPERTY = "fmselect.fashion-mnist.dir";
  static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
      "Sneaker", "Bag", "Ankle boot");
  private static final String IMAGES = "train-images-idx3-ubyte";
  private static final String LABELS = "train-labels-idx1-ubyte";

  private final Path dir;
  private final String split;
  private final byte[] pixels;
  private final byte[] labels;
  private final int rows;
  private final int cols;

  private FashionMnist(Path dir, String split, byte[] pixels, byte[] labels, int rows, int cols) {
    this.dir = dir;
    this.split = split;
    this.pixels = pixels;
    this.labels = labels;
    this.rows = rows;
    this.cols = cols;
  }

  /** The folder to look in: the system property, else Debian's. */
  public static Path dir() {
    String p = System.getProperty(DIR_PROPERTY);
    return p == null || p.isBlank() ? DEBIAN_DIR : Path.of(p);
  }

  /** True if {@code dir} holds the training images and labels (gzipped or not). */
  public static boolean installed(Path dir) {
    return file(dir, IMAGES) != null && file(dir, LABELS) != null;
  }

  /** Reads the training set from {@code dir}; one-line IllegalArgumentException if it is missing or malformed. */
  public static FashionMnist load(Path dir) throws IOException {
    return load(dir, "train");
  }

  /** Reads the test set (10,000 images, files {@code t10k-*}) from {@code dir}, as {@link #load(Path)}. */
  public static FashionMnist loadTest(Path dir) throws IOException {
    return load(dir, "t10k");
  }

  private static FashionMnist load(Path dir, String split) throws IOException {
    String imagesName = IMAGES.replace("train", split);
    String labelsName = LABELS.replace("train", split);
    Path imagesFile = file(dir, imagesName);
    Path labelsFile = file(dir, labelsName);
    if (imagesFile == null || labelsFile == null) {
      throw new IllegalArgumentException(dir + ": no Fashion-MNIST " + (split.equals("train") ? "training" : "test")
          + " files (" + imagesName + "[.gz], " + labelsName + "[.gz]); install Debian's dataset-fashion-mnist");
    }
    Idx images = Idx.read(imagesFile, Idx.IMAGES);
    Idx labels = Idx.read(labelsFile, Idx.LABELS);
    if (images.count() != labels.count()) {
      throw new IllegalArgumentException(imagesFile + ": " + images.count() + " images but " + labelsFile + " has "
          + labels.count() + " labels");
    }
    if (images.dims()[1] == 0 || images.dims()[2] == 0) {
      throw new IllegalArgumentException(imagesFile + ": images of " + images.dims()[1] + "x" + images.dims()[2] + " pixels");
    }
    for (int i = 0; i < labels.count(); i++) {
      int l = labels.data()[i] & 0xff;
      if (l >= CLASSES.size()) {
        throw new IllegalArgumentException(labelsFile + ": label " + l + " of item " + i + " is not a Fashion-MNIST class (0-9)");
      }
    }
    return new FashionMnist(dir, split, images.data(), labels.data(), images.dims()[1], images.dims()[2]);
  }

  private static Path file(Path dir, String name) {
    for (Path p : List.of(dir.resolve(name + ".gz"), dir.resolve(name))) {
      if (Files.isRegularFile(p) && Files.isReadable(p)) {
        return p;
      }
    }
    return null;
  }

  @Override
  public String name() {
    return DEBIAN_DIR.equals(dir) ? "Fashion-MNIST (Debian dataset-fashion-mnist)" : "Fashion-MNIST (" + dir + ")";
  }

  @Override
  public String unit() {
    return split.equals("train") ? "training images" : "test images";
  }

  @Override
  public List<String> classNames() {
    return CLASSES;
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public int label(int i) {
    return labels[i] & 0xff;
  }

  @Override
  public String id(int i) {
    return String.format("fm-%06d", i);
  }

  @Override
  public String origin(int i) {
    return "fashion-mnist:" + (split.equals("train") ? "train" : "test") + ":" + i;
  }

  /** Image height in pixels (28). */
  public int rows() {
    return rows;
  }

  /** Image width in pixels (28). */
  public int cols() {
    return cols;
  }

  /** The grey pixels of image {@code i}, row-major, 0 = black. */
  public byte[] grey(int i) {
    return Arrays.copyOfRange(pixels, i * rows * cols, (i + 1) * rows * cols);
  }

  @Override
  public byte[] image(int i) {
    BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setDataElements(0, 0, cols, rows, grey(i));
    return Png.encode(img);
  }
}
