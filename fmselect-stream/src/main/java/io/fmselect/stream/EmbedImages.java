package io.fmselect.stream;

import io.fmselect.embed.FmEncoder;
import io.fmselect.embed.ModelService;
import io.fmselect.embed.ModelSpec;
import io.fmselect.embed.Preprocessor;
import io.fmselect.stream.window.Reasons;
import io.fmselect.stream.window.SampleEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Async FM inference (Flink async I/O): computes every configured FM's embedding that a sample lacks
 * from its image (bytes in the record, or a URI: a file path or file:/http(s): URL). Reading and
 * preprocessing run on a small pool; inference is queued to the TaskManager's shared
 * {@link ModelService}, which micro-batches requests from all samples and subtasks. Samples that carry
 * every embedding, deletes and records already rejected pass through untouched. A sample whose image
 * cannot be read, decoded or embedded comes out with a reason (corrupt-image, image-too-large,
 * unreachable-uri, inference-error, inference-timeout) for {@link ValidateSamples} to reject: a failing
 * image or model never fails the job.
 */
public final class EmbedImages extends RichAsyncFunction<SampleEvent, SampleEvent> {
  private static final long serialVersionUID = 1L;
  private final StreamConfig config;
  private transient ModelService service;
  /** For each configured FM, the index of its model in the service, or -1 if it has none. */
  private transient int[] model;
  private transient ExecutorService pool;
  private transient HttpClient http;

  public EmbedImages(StreamConfig config) {
    this.config = config;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    StreamConfig.Embedding e = config.embedding();
    List<ModelSpec> specs = ModelSpec.loadAll(Path.of(e.modelsDir()));
    service = ModelService.acquire(specs, e.workers(), e.intraOpThreads());
    model = new int[config.fmNames().size()];
    for (int f = 0; f < model.length; f++) {
      model[f] = -1;
      for (int m = 0; m < specs.size(); m++) {
        if (specs.get(m).name().equals(config.fmNames().get(f))) {
          model[f] = m;
        }
      }
    }
    pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "fmselect-preprocess");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void asyncInvoke(SampleEvent e, ResultFuture<SampleEvent> result) {
    if (e.reason != null || e.delete || e.missing == 0) {
      result.complete(Collections.singleton(e));
      return;
    }
    CompletableFuture.supplyAsync(() -> decode(e), pool).thenCompose(img -> {
      List<CompletableFuture<Void>> parts = new ArrayList<>();
      for (int f = 0; f < model.length; f++) {
        if ((e.missing & (1 << f)) == 0) {
          continue;
        }
        if (model[f] < 0) {
          throw new Rejection(Reasons.MISSING_EMBEDDING, "no embedding of FM '" + config.fmNames().get(f)
              + "' and no model for it in " + config.embedding().modelsDir());
        }
        int fm = f;
        parts.add(service.embed(model[f], img, pool).thenAccept(v -> put(e, fm, v)));
      }
      return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    }).whenComplete((ok, failure) -> {
      if (failure != null) {
        Throwable c = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (c instanceof Rejection r) {
          e.reason = r.reason;
          e.detail = r.getMessage();
        } else {
          e.reason = Reasons.INFERENCE_ERROR;
          e.detail = c instanceof FmEncoder.ModelException ? c.getMessage() : String.valueOf(c);
        }
      } else {
        e.missing = 0;
        e.image = null;
        e.imageUri = null; // the raw bytes stay: the event-time gate may still reject the sample
      }
      result.complete(Collections.singleton(e));
    });
  }

  @Override
  public void timeout(SampleEvent e, ResultFuture<SampleEvent> result) {
    e.reason = Reasons.INFERENCE_TIMEOUT;
    e.detail = "not embedded within " + config.embedding().timeoutMs() + " ms";
    result.complete(Collections.singleton(e));
  }

  /** A sample that cannot be embedded, with its reason. */
  private static final class Rejection extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String reason;

    Rejection(String reason, String detail) {
      super(detail, null, false, false);
      this.reason = reason;
    }
  }

  private Preprocessor.Rgb decode(SampleEvent e) {
    byte[] bytes = e.image != null ? e.image : read(e.imageUri);
    try {
      return Preprocessor.decode(bytes);
    } catch (Preprocessor.BadImageException ex) {
      throw new Rejection(Reasons.CORRUPT_IMAGE, ex.getMessage());
    }
  }

  private byte[] read(String uri) {
    long max = config.embedding().maxImageBytes();
    try {
      URI u = uri.contains(":/") ? URI.create(uri) : null;
      if (u != null && ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
        if (http == null) {
          http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        }
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
          throw new Rejection(Reasons.UNREACHABLE_URI, uri + ": HTTP " + r.statusCode());
        }
        try (InputStream in = r.body()) {
          return limited(in, max, uri);
        }
      }
      Path p = u != null && "file".equals(u.getScheme()) ? Path.of(u) : Path.of(uri);
      if (Files.size(p) > max) {
        throw new Rejection(Reasons.IMAGE_TOO_LARGE, uri + ": " + Files.size(p) + " bytes, more than " + max);
      }
      return Files.readAllBytes(p);
    } catch (IOException | IllegalArgumentException ex) {
      throw new Rejection(Reasons.UNREACHABLE_URI, uri + ": " + ex);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new Rejection(Reasons.UNREACHABLE_URI, uri + ": interrupted");
    }
  }

  private static byte[] limited(InputStream in, long max, String uri) throws IOException {
    byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
    if (b.length > max) {
      throw new Rejection(Reasons.IMAGE_TOO_LARGE, uri + ": more than " + max + " bytes");
    }
    return b;
  }

  /** FM {@code fm}'s embedding into the sample (each FM writes its own range of the values). */
  private void put(SampleEvent e, int fm, float[] v) {
    if (!io.fmselect.select.Finite.allFinite(v, 0, v.length)) {
      throw new Rejection(Reasons.INFERENCE_ERROR, "FM '" + config.fmNames().get(fm) + "' gave a non-finite value");
    }
    ByteBuffer.wrap(e.values).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(config.offset(fm), v);
  }

  @Override
  public void close() throws Exception {
    if (pool != null) {
      pool.shutdownNow();
    }
    if (service != null) {
      ModelService.release(service);
      service = null;
    }
  }
}
