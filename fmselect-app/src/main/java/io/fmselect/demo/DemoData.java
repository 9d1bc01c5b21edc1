package io.fmselect.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The labeled images {@code fmselect demo} streams, with the label noise and long tail it injected, so the
 * report can tell what the selection made of them. Data comes from, in order: an image folder
 * ({@code --images DIR}, one sub-folder per class), else the Fashion-MNIST training set when Debian's
 * {@code dataset-fashion-mnist} is installed, else a generated set of 10 classes of shapes and textures
 * (so the demo always runs). The injection ({@link Injection}: long tail, then symmetric label noise, then a
 * seeded shuffle, then the limit) depends only on the data and the seed.
 *
 * <p>Iterating yields the samples in sending order, each image encoded when it is reached (60,000 PNGs are
 * never held at once). {@link #sent(Shot, long)} and the figures that read it are thread-safe; the rest is immutable.
 */
public final class DemoData implements Iterable<DemoData.Shot> {

  /**
   * One sample to send.
   *
   * @param id unique, stable for a seed ("fm-000123", "gen-000007", "img-000042")
   * @param label the label it is sent with (after label noise)
   * @param trueLabel its original class
   * @param image encoded image bytes (PNG, or a folder's file as it is)
   * @param source where it comes from ("fashion-mnist:train:123", "generated:7", a file path)
   */
  public record Shot(String id, long label, long trueLabel, byte[] image, String source) {
    /** True if the label was flipped by the injected noise. */
    public boolean noisy() {
      return label != trueLabel;
    }

    @Override
    public String toString() {
      return "Shot[" + id + ", label " + label + (noisy() ? " (true " + trueLabel + ")" : "") + ", " + source + "]";
    }
  }

  private final Source source;
  private final Injection injection;
  private final double noise;
  private final double imbalance;
  private final Map<String, Integer> position; // id -> position in sending order
  private final long flipped;
  /** Samples sent: id -> the event time it was sent with (ms). */
  private final Map<String, Long> sent = new ConcurrentHashMap<>();
  private final AtomicLong noisySent = new AtomicLong();

  private DemoData(Source source, double noise, double imbalance, long seed, Integer limit) {
    this.source = source;
    this.noise = noise;
    this.imbalance = imbalance;
    int[] truth = new int[source.size()];
    for (int i = 0; i < truth.length; i++) {
      truth[i] = source.label(i);
    }
    this.injection = Injection.plan(truth, source.classNames().size(), noise, imbalance, seed, limit);
    Map<String, Integer> pos = new HashMap<>(injection.order().length * 2);
    long f = 0;
    for (int k = 0; k < injection.order().length; k++) {
      pos.put(source.id(injection.order()[k]), k);
      if (injection.labels()[k] != truth[injection.order()[k]]) {
        f++;
      }
    }
    this.position = pos;
    this.flipped = f;
  }

  /**
   * The demo's data: {@code images} when given (one sub-folder per class), else Fashion-MNIST when
   * installed, else generated images; then the injection (see {@link Injection}).
   *
   * @param images a folder of class folders, or null
   * @param noise label noise rate R in [0, 1]
   * @param imbalance long tail K &ge; 1: the largest class kept is K times the smallest
   * @param seed seeds the injection, the order and generated images
   * @param limit at most this many samples (after the shuffle), or null for all
   * @throws IllegalArgumentException with one line, on a bad folder or parameter
   */
  public static DemoData open(Path images, double noise, double imbalance, long seed, Integer limit) throws IOException {
    if (images != null) {
      return folder(images, noise, imbalance, seed, limit);
    }
    if (FashionMnist.installed(FashionMnist.dir())) {
      return fashionMnist(FashionMnist.dir(), noise, imbalance, seed, limit);
    }
    return generated(Math.max(GeneratedImages.DEFAULT_COUNT, limit == null ? 0 : limit), noise, imbalance, seed, limit);
  }

  /** An image folder: one sub-folder per class, sorted class names give labels 0..K-1. */
  public static DemoData folder(Path dir, double noise, double imbalance, long seed, Integer limit) throws IOException {
    return new DemoData(FolderImages.scan(dir), noise, imbalance, seed, limit);
  }

  /** The Fashion-MNIST training set from the IDX files in {@code dir} (gzipped or not). */
  public static DemoData fashionMnist(Path dir, double noise, double imbalance, long seed, Integer limit)
      throws IOException {
    return new DemoData(FashionMnist.load(dir), noise, imbalance, seed, limit);
  }

  /** {@code count} generated images (10 classes of shapes and textures, 64x64 RGB), deterministic for a seed. */
  public static DemoData generated(int count, double noise, double imbalance, long seed, Integer limit) {
    return new DemoData(new GeneratedImages(count, seed), noise, imbalance, seed, limit);
  }

  /** Where Fashion-MNIST is looked for (system property {@code fmselect.fashion-mnist.dir}, else Debian's folder). */
  public static Path fashionMnistDir() {
    return FashionMnist.dir();
  }

  /**
   * One line for the console: "data: Fashion-MNIST (Debian dataset-fashion-mnist), 10,000 of 60,000 training
   * images, 10 classes; label noise 10% (1,003 flipped), long tail 1:1".
   */
  public String description() {
    return String.format(Locale.ROOT, "data: %s, %s of %s %s, %d classes; label noise %s%% (%s flipped), long tail %s:1",
        source.name(), group(size()), group(source.size()), source.unit(), classNames().size(), number(noise * 100),
        group(flipped), number(imbalance));
  }

  private static String group(long n) {
    return String.format(Locale.US, "%,d", n);
  }

  private static String number(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : String.format(Locale.ROOT, "%.4g", x)
        .replaceAll("\\.?0+$", "");
  }

  /** Class names; label = position. */
  public List<String> classNames() {
    return source.classNames();
  }

  /** The name of class {@code label}, or "class N" when it is not one of the data's. */
  public String className(long label) {
    return label >= 0 && label < classNames().size() ? classNames().get((int) label) : "class " + label;
  }

  /** Samples to send (after the long tail and the limit). */
  public int size() {
    return injection.order().length;
  }

  /** Items in the source before any injection. */
  public int sourceSize() {
    return source.size();
  }

  /** Label noise rate R. */
  public double noise() {
    return noise;
  }

  /** Long-tail ratio K. */
  public double imbalance() {
    return imbalance;
  }

  /** Samples whose label was flipped, among those to send. */
  public long flipped() {
    return flipped;
  }

  /** Every sample's id, in sending order. */
  public List<String> ids() {
    List<String> ids = new ArrayList<>(size());
    for (int i : injection.order()) {
      ids.add(source.id(i));
    }
    return Collections.unmodifiableList(ids);
  }

  /** True if {@code id} is one of the samples to send. */
  public boolean contains(String id) {
    return position.containsKey(id);
  }

  /** The sample with this id, its image read and encoded now; null if there is none. */
  public Shot byId(String id) {
    Integer k = position.get(id);
    return k == null ? null : shot(k);
  }

  /** The label sample {@code id} is sent with; IllegalArgumentException if there is no such sample. */
  public long label(String id) {
    return injection.labels()[at(id)];
  }

  /** The original class of sample {@code id}; IllegalArgumentException if there is no such sample. */
  public long trueLabel(String id) {
    return source.label(injection.order()[at(id)]);
  }

  /** Where sample {@code id} comes from; null if there is no such sample. */
  public String source(String id) {
    Integer k = position.get(id);
    return k == null ? null : source.origin(injection.order()[k]);
  }

  /** True if sample {@code id} carries a flipped label; false for an unknown id. */
  public boolean noisy(String id) {
    Integer k = position.get(id);
    return k != null && injection.labels()[k] != source.label(injection.order()[k]);
  }

  /**
   * Remembers that {@code s} was sent with event time {@code eventTime} (ms since the epoch); once per id, the
   * first time counts. Thread-safe.
   */
  public void sent(Shot s, long eventTime) {
    if (!position.containsKey(s.id())) {
      throw new IllegalArgumentException("sample '" + s.id() + "' is not one of this demo's");
    }
    if (sent.putIfAbsent(s.id(), eventTime) == null && noisy(s.id())) {
      noisySent.incrementAndGet();
    }
  }

  /** True if sample {@code id} was sent. */
  public boolean wasSent(String id) {
    return sent.containsKey(id);
  }

  /** True if sample {@code id} was sent with an event time at or before {@code time} (ms). */
  public boolean sentBy(String id, long time) {
    Long t = sent.get(id);
    return t != null && t <= time;
  }

  /** The ids of the samples sent so far (a live view, in no order). */
  public Set<String> sentIds() {
    return Collections.unmodifiableSet(sent.keySet());
  }

  /** Samples sent so far. */
  public long sentCount() {
    return sent.size();
  }

  /** Samples with a flipped label sent so far. */
  public long noisySent() {
    return noisySent.get();
  }

  private int at(String id) {
    Integer k = position.get(id);
    if (k == null) {
      throw new IllegalArgumentException("no sample '" + id + "' in the demo data");
    }
    return k;
  }

  /** The {@code k}-th sample in sending order, its image read and encoded now. */
  public Shot shot(int k) {
    int i = injection.order()[k];
    try {
      return new Shot(source.id(i), injection.labels()[k], source.label(i), source.image(i), source.origin(i));
    } catch (IOException e) {
      throw new UncheckedIOException(source.origin(i) + ": " + e.getMessage(), e);
    }
  }

  /** The samples in sending order; each image is read and encoded when reached. */
  @Override
  public Iterator<Shot> iterator() {
    return new Iterator<>() {
      private int k;

      @Override
      public boolean hasNext() {
        return k < size();
      }

      @Override
      public Shot next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return shot(k++);
      }
    };
  }
}
