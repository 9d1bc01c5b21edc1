package io.fmselect.bench;

import io.fmselect.select.BatchSelector;
import io.fmselect.select.Centroids;
import io.fmselect.select.ClassMembers;
import io.fmselect.select.EmbeddingSource;
import io.fmselect.select.Embeddings;
import io.fmselect.select.PseudoLabeler;
import io.fmselect.select.RamApl;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The batch RAM-APL selection and its pseudo-labeler alone, on synthetic in-memory data shaped like
 * {@code bench/ram-apl.sh}'s: {@code rows} rows, {@code classes} classes, two feature sets of 768 and 512
 * float32 dims, each row its class's standard-normal center plus Gaussian noise of SD 1.5, fraction 0.1.
 * Only the public API of {@code io.fmselect.select}. The data is made once per trial; every invocation
 * selects (or labels) all of it.
 *
 * <p>Run, e.g.: {@code java --add-modules jdk.incubator.vector -jar fmselect-bench.jar RamAplBenchmark
 * -p rows=1000000 -p classes=1000} (without the vector API the scalar kernels run: same answers, slower).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class RamAplBenchmark {
  /** Rows of the data set. */
  @Param("100000")
  public int rows;

  /** Classes (labels 0 .. classes-1, drawn uniformly per row). */
  @Param("100")
  public int classes;

  /** Worker threads of the batch selection; 0 = available processors. */
  @Param("0")
  public int threads;

  private static final int[] DIMS = {768, 512};
  private static final double NOISE = 1.5;

  private long[] labels;
  private Embeddings[] features;
  private Centroids[] centroids;

  @Setup
  public void makeData() {
    SplittableRandom rnd = new SplittableRandom(1);
    labels = new long[rows];
    for (int i = 0; i < rows; i++) {
      labels[i] = rnd.nextInt(classes);
    }
    features = new Embeddings[DIMS.length];
    for (int f = 0; f < DIMS.length; f++) {
      int dim = DIMS[f];
      float[][] centers = new float[classes][dim];
      for (float[] c : centers) {
        for (int j = 0; j < dim; j++) {
          c[j] = (float) rnd.nextGaussian();
        }
      }
      float[][] x = new float[rows][dim];
      for (int i = 0; i < rows; i++) {
        float[] c = centers[(int) labels[i]];
        for (int j = 0; j < dim; j++) {
          x[i][j] = (float) (c[j] + NOISE * rnd.nextGaussian());
        }
      }
      features[f] = Embeddings.ofFloats(x);
    }
    // the centroids of the pseudo-labeler benchmark: exact class means, as the selection makes them
    long[] distinct = java.util.stream.LongStream.of(labels).sorted().distinct().toArray();
    int[][] members = new int[distinct.length][];
    int[] sizes = new int[distinct.length];
    for (long l : labels) {
      sizes[java.util.Arrays.binarySearch(distinct, l)]++;
    }
    int[] fill = new int[distinct.length];
    for (int c = 0; c < distinct.length; c++) {
      members[c] = new int[sizes[c]];
    }
    for (int i = 0; i < rows; i++) {
      int c = java.util.Arrays.binarySearch(distinct, labels[i]);
      members[c][fill[c]++] = i;
    }
    ClassMembers[] byClass = new ClassMembers[distinct.length];
    for (int c = 0; c < distinct.length; c++) {
      long[] keys = new long[sizes[c]];
      for (int k = 0; k < keys.length; k++) {
        keys[k] = members[c][k];
      }
      Embeddings[] rowsOf = new Embeddings[DIMS.length];
      for (int f = 0; f < DIMS.length; f++) {
        rowsOf[f] = features[f].rows(members[c]);
      }
      byClass[c] = new ClassMembers(distinct[c], keys, rowsOf);
    }
    centroids = new Centroids[DIMS.length];
    for (int f = 0; f < DIMS.length; f++) {
      centroids[f] = Centroids.of(byClass, f);
    }
  }

  /** The whole batch RAM-APL selection (centroids, ranks, pseudo-labels, scores), classes in parallel. */
  @Benchmark
  public BatchSelector.Result batchRamApl() {
    int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    return BatchSelector.select(labels, new EmbeddingSource[] {features[0], features[1]}, new RamApl(), 0.1, t);
  }

  /** The nearest-centroid pseudo-labels of every row under the first feature set (768 dims), one thread. */
  @Benchmark
  public int[] pseudoLabels() {
    return PseudoLabeler.nearest(features[0], centroids[0], null);
  }
}
