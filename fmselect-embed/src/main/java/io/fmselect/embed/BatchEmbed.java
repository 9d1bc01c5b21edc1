package io.fmselect.embed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntConsumer;

/**
 * Embeds a numbered set of images with every FM of a {@link ModelService}, through the stream's path: each
 * image read and decoded once on a pool, then preprocessed and micro-batched per FM. Used by
 * {@code fmselect embed} and the quality study.
 */
public final class BatchEmbed {
  /** Images in flight at once: bounds the preprocessed tensors held in memory. */
  private static final int CHUNK = 256;

  private BatchEmbed() {}

  /** Reads image {@code i}; may throw an unchecked exception that names the image. */
  @FunctionalInterface
  public interface Images {
    Preprocessor.Rgb image(int i);
  }

  /**
   * Every image's embedding under every FM of {@code service}, as {@code [fm][image]}.
   *
   * @param done called with the number of images embedded so far after each chunk (a progress line)
   * @throws FmEncoder.ModelException when a model fails
   * @throws RuntimeException what {@code images} threw for an image
   */
  public static float[][][] embedAll(ModelService service, int n, Images images, int threads, IntConsumer done)
      throws FmEncoder.ModelException {
    int fms = service.specs().size();
    float[][][] rows = new float[fms][n][];
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
    try {
      for (int start = 0; start < n; start += CHUNK) {
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (int i = start; i < Math.min(start + CHUNK, n); i++) {
          int row = i;
          parts.add(CompletableFuture.supplyAsync(() -> images.image(row), pool).thenCompose(img -> {
            List<CompletableFuture<Void>> each = new ArrayList<>();
            for (int m = 0; m < fms; m++) {
              int fm = m;
              each.add(service.embed(m, img, pool).thenAccept(v -> rows[fm][row] = v));
            }
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new));
          }));
        }
        try {
          CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
          Throwable c = e.getCause();
          if (c instanceof FmEncoder.ModelException m) {
            throw m;
          }
          throw c instanceof RuntimeException r ? r : new IllegalStateException(c);
        }
        done.accept(Math.min(start + CHUNK, n));
      }
    } finally {
      pool.shutdown();
    }
    return rows;
  }
}
