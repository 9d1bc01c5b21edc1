package io.fmselect.quality;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Random;

/**
 * The quality study's classifier: a small CNN trained from scratch on a subset's images with DJL's PyTorch
 * engine on the CPU, with one fixed recipe for every cell of a study.
 *
 * <p>The recipe: inputs C x S x S scaled to [-1, 1]; conv 3x3 16 - batch norm - ReLU - max pool 2, conv 3x3
 * 32 - batch norm - ReLU - max pool 2, dense 64 - ReLU, dense to the classes; softmax cross-entropy; Adam
 * at learning rate 1e-3 decayed to 0 on a cosine over the steps; mini-batches of 64 drawn by epochs of a seeded shuffle; a fixed number of
 * optimizer steps whatever the subset's size (so every cell gets the same compute, and a small subset is
 * not under-trained), with a random horizontal flip as the only augmentation. The seed fixes the weights'
 * initialization, the shuffles and the flips, so a cell is repeatable on the same machine and thread count.
 */
public final class Classifier {
  /** The fixed recipe; {@link #DEFAULT} is the study's. */
  public record Recipe(int steps, int batch, float learningRate, boolean flip) {
    public static final Recipe DEFAULT = new Recipe(500, 64, 1e-3f, true);

    public Recipe {
      if (steps < 1 || batch < 1 || !(learningRate > 0)) {
        throw new IllegalArgumentException("steps and batch must be at least 1 and the learning rate above 0");
      }
    }

    /** This recipe with another step count. */
    public Recipe withSteps(int n) {
      return new Recipe(n, batch, learningRate, flip);
    }

    /** One line for reports. */
    public String describe() {
      return String.format(java.util.Locale.ROOT,
          "CNN conv16-conv32-dense64, Adam lr %s cosine to 0, batch %d, %d steps, %s", learningRate, batch, steps,
          flip ? "random horizontal flip" : "no augmentation");
    }
  }

  /** Images as the classifier sees them: {@code n} rows of C x S x S values in [0, 1], and their labels. */
  public record Images(int channels, int size, float[][] pixels, int[] labels) {
    public int count() {
      return labels.length;
    }

    /** The rows {@code rows} of this set, with {@code labels} instead of their own when not null. */
    public Images subset(int[] rows, int[] newLabels) {
      float[][] p = new float[rows.length][];
      int[] l = new int[rows.length];
      for (int i = 0; i < rows.length; i++) {
        p[i] = pixels[rows[i]];
        l[i] = newLabels == null ? labels[rows[i]] : newLabels[i];
      }
      return new Images(channels, size, p, l);
    }
  }

  static {
    // PyTorch's intra-op threads: one per core, set before the engine loads
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
    if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
  }

  private Classifier() {}

  private static SequentialBlock network(int classes) {
    return new SequentialBlock()
        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16).build())
        .add(BatchNorm.builder().build())
        .add(Activation::relu)
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build())
        .add(BatchNorm.builder().build())
        .add(Activation::relu)
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(64).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(classes).build());
  }

  /**
   * Trains a fresh network on {@code train} and returns its accuracy on {@code test}: the share of test
   * images whose highest-scoring class is their label.
   */
  public static double trainAndTest(Images train, Images test, int classes, Recipe recipe, long seed) {
    if (train.count() == 0) {
      throw new IllegalArgumentException("no training images");
    }
    Engine engine = Engine.getEngine("PyTorch");
    engine.setRandomSeed((int) (seed ^ (seed >>> 32)));
    Random rnd = new Random(seed);
    int c = train.channels();
    int s = train.size();
    int px = c * s * s;
    try (Model model = Model.newInstance("fmselect-quality-cnn", Device.cpu(), "PyTorch")) {
      model.setBlock(network(classes));
      DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
          .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.cosine().setBaseValue(recipe.learningRate())
              .optFinalValue(0f).setMaxUpdates(recipe.steps()).build()).build())
          .optDevices(new Device[] {Device.cpu()});
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(recipe.batch(), c, s, s));
        int n = train.count();
        int[] order = identity(n);
        int at = n;
        float[] x = new float[recipe.batch() * px];
        float[] y = new float[recipe.batch()];
        for (int step = 0; step < recipe.steps(); step++) {
          int b = Math.min(recipe.batch(), n);
          for (int k = 0; k < b; k++) {
            if (at == n) {
              shuffle(order, rnd);
              at = 0;
            }
            int row = order[at++];
            copy(train.pixels()[row], x, k * px, c, s, recipe.flip() && rnd.nextBoolean());
            y[k] = train.labels()[row];
          }
          try (NDManager m = trainer.getManager().newSubManager()) {
            NDArray xs = m.create(java.util.Arrays.copyOf(x, b * px), new Shape(b, c, s, s));
            NDArray ys = m.create(java.util.Arrays.copyOf(y, b), new Shape(b));
            try (GradientCollector g = trainer.newGradientCollector()) {
              NDList out = trainer.forward(new NDList(xs));
              NDArray loss = trainer.getLoss().evaluate(new NDList(ys), out);
              g.backward(loss);
            }
            trainer.step();
          }
        }
        return accuracy(trainer, test, px);
      }
    }
  }

  private static double accuracy(Trainer trainer, Images test, int px) {
    int c = test.channels();
    int s = test.size();
    int correct = 0;
    int chunk = 500;
    for (int start = 0; start < test.count(); start += chunk) {
      int b = Math.min(chunk, test.count() - start);
      float[] x = new float[b * px];
      for (int k = 0; k < b; k++) {
        copy(test.pixels()[start + k], x, k * px, c, s, false);
      }
      try (NDManager m = trainer.getManager().newSubManager()) {
        NDArray scores = trainer.evaluate(new NDList(m.create(x, new Shape(b, c, s, s)))).singletonOrThrow();
        long[] best = scores.argMax(1).toLongArray();
        for (int k = 0; k < b; k++) {
          if (best[k] == test.labels()[start + k]) {
            correct++;
          }
        }
      }
    }
    return test.count() == 0 ? 0 : (double) correct / test.count();
  }

  /** One image into {@code x} at {@code off}, scaled from [0, 1] to [-1, 1], mirrored left-right if asked. */
  private static void copy(float[] img, float[] x, int off, int c, int s, boolean mirror) {
    for (int ch = 0; ch < c; ch++) {
      for (int r = 0; r < s; r++) {
        int base = (ch * s + r) * s;
        for (int col = 0; col < s; col++) {
          x[off + base + col] = img[base + (mirror ? s - 1 - col : col)] * 2f - 1f;
        }
      }
    }
  }

  static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  /** Fisher-Yates with {@code rnd}. */
  public static void shuffle(int[] a, Random rnd) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
