package io.fmselect.quality;

import io.fmselect.embed.BatchEmbed;
import io.fmselect.embed.FmEncoder;
import io.fmselect.embed.ModelService;
import io.fmselect.embed.ModelSpec;
import io.fmselect.io.AtomicFile;
import io.fmselect.io.NpyMatrix;
import io.fmselect.io.NpyReader;
import io.fmselect.io.NpyWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pool's embeddings per encoder, computed once and kept as {@code NAME.npy} beside {@code NAME.key} (the
 * spec file's text and the model file's size and time): a later run with the same data and the same encoder
 * reads them back instead of embedding again.
 */
public final class EncoderCache {
  private EncoderCache() {}

  /** Every spec's embedding of every pool image, by encoder name, in spec order. */
  public static Map<String, float[][]> embeddings(StudyData data, List<ModelSpec> specs, Path dir, int threads,
      PrintWriter err) throws IOException, FmEncoder.ModelException {
    Files.createDirectories(dir);
    Map<String, float[][]> found = new java.util.HashMap<>();
    List<ModelSpec> missing = new ArrayList<>();
    for (ModelSpec s : specs) {
      float[][] cached = read(dir, s, data.pool().count());
      if (cached != null) {
        found.put(s.name(), cached);
      } else {
        missing.add(s);
      }
    }
    if (!missing.isEmpty()) {
      long t0 = System.nanoTime();
      int n = data.pool().count();
      ModelService service = ModelService.acquire(missing, 1, threads);
      float[][][] rows;
      try {
        rows = BatchEmbed.embedAll(service, n, data.images()::image, threads, done -> {
          err.printf(Locale.ROOT, "\rembedding the pool with %s: %,d/%,d images, %.0f s", names(missing), done, n,
              (System.nanoTime() - t0) / 1e9);
          err.flush();
        });
      } finally {
        ModelService.release(service);
      }
      err.printf(Locale.ROOT, "%nembedded %,d images with %s in %.1f s (cached in %s)%n", n, names(missing),
          (System.nanoTime() - t0) / 1e9, dir);
      err.flush();
      for (int f = 0; f < missing.size(); f++) {
        ModelSpec s = missing.get(f);
        AtomicFile.write(dir.resolve(s.name() + ".npy"), NpyWriter.float32(rows[f]));
        byte[] key = key(s).getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(dir.resolve(s.name() + ".key"), o -> o.write(key));
        found.put(s.name(), rows[f]);
      }
    }
    Map<String, float[][]> out = new LinkedHashMap<>();
    specs.forEach(s -> out.put(s.name(), found.get(s.name())));
    return out;
  }

  private static String names(List<ModelSpec> specs) {
    return String.join(", ", specs.stream().map(ModelSpec::name).toList());
  }

  /** What the cached file was made from: the spec file's text and the model file's size and time. */
  static String key(ModelSpec s) throws IOException {
    return Files.readString(s.file()) + "\n# model " + s.model() + " " + Files.size(s.model()) + " "
        + Files.getLastModifiedTime(s.model()).toMillis() + "\n";
  }

  private static float[][] read(Path dir, ModelSpec s, int rows) throws IOException {
    Path npy = dir.resolve(s.name() + ".npy");
    Path key = dir.resolve(s.name() + ".key");
    if (!Files.isRegularFile(npy) || !Files.isRegularFile(key) || !Files.readString(key).equals(key(s))) {
      return null;
    }
    try {
      NpyMatrix m = NpyReader.mapFeatures(npy);
      if (m.rows() != rows || m.dim() != s.dimension()) {
        return null;
      }
      float[][] out = new float[rows][m.dim()];
      for (int i = 0; i < rows; i++) {
        m.copyRowAsFloat(i, out[i]);
      }
      return out;
    } catch (io.fmselect.io.NpyFormatException e) {
      return null;
    }
  }
}
