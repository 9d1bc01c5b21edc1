package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.embed.TinyEncoder;
import io.fmselect.stream.window.Reasons;
import io.fmselect.stream.window.SampleEvent;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embed stage's failure cases: each sample comes out with its reason, none fails the operator. */
class EmbedImagesTest {
  @TempDir Path dir;

  /** A ResultFuture that hands over the one result. */
  static final class Result implements ResultFuture<SampleEvent> {
    final CompletableFuture<SampleEvent> done = new CompletableFuture<>();

    @Override
    public void complete(Collection<SampleEvent> result) {
      done.complete(result.iterator().next());
    }

    @Override
    public void completeExceptionally(Throwable error) {
      done.completeExceptionally(error);
    }

    @Override
    public void complete(org.apache.flink.streaming.api.functions.async.CollectionSupplier<SampleEvent> supplier) {
      try {
        complete(supplier.get());
      } catch (Exception e) {
        completeExceptionally(e);
      }
    }

    SampleEvent get() throws Exception {
      return done.get(30, TimeUnit.SECONDS);
    }
  }

  static SampleEvent withImage(String id, byte[] image, String uri) {
    SampleEvent e = new SampleEvent();
    e.id = id;
    e.hasLabel = true;
    e.label = 1;
    e.values = new byte[4 * 3];
    e.missing = 1;
    e.image = image;
    e.imageUri = uri;
    e.raw = new byte[] {7};
    return e;
  }

  EmbedImages open(boolean fixedBatch) throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    new TinyEncoder(3, 3, 5).writeOnnx(models.resolve("m.onnx"), fixedBatch ? 1 : null);
    Files.writeString(models.resolve("m.yaml"), String.join("\n", "name: m", "model: m.onnx", "input_size: 4",
        "dimension: 3", "batch_size: 4", "max_delay_ms: 300", ""));
    Configuration c = new Configuration();
    c.set(StreamOptions.MODELS_DIR, models.toString());
    c.set(StreamOptions.MAX_IMAGE_BYTES, 5000L);
    EmbedImages f = new EmbedImages(StreamConfig.from(c));
    f.open(null);
    return f;
  }

  @Test
  void anFmWhoseDimensionDiffersFromItsModelSpecIsRefused() throws Exception {
    open(false).close(); // writes the model "m" (3 dims)
    Configuration c = new Configuration();
    c.set(StreamOptions.MODELS_DIR, dir.resolve("models").toString());
    c.set(StreamOptions.FMS, List.of("m = 4"));
    var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> StreamConfig.from(c));
    assertTrue(e.getMessage().contains("FM 'm = 4' differs from its model spec") && e.getMessage().contains("(dimension 3)"),
        e.getMessage());
    c.set(StreamOptions.FMS, List.of("m = 03"));
    assertEquals(List.of("m"), StreamConfig.from(c).fmNames());
  }

  static byte[] png() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB), "png", out);
    return out.toByteArray();
  }

  @Test
  void goodImagesAreEmbeddedAndBadOnesGetTheirReason() throws Exception {
    EmbedImages f = open(false);
    try {
      Result ok = new Result();
      f.asyncInvoke(withImage("ok", png(), null), ok);
      SampleEvent e = ok.get();
      assertNull(e.reason, e.detail);
      assertEquals(0, e.missing);
      assertNull(e.image, "the decoded image is dropped once embedded");
      assertEquals(1, e.raw.length, "the raw record stays until the event-time gate has passed it");
      Result corrupt = new Result();
      f.asyncInvoke(withImage("c", new byte[] {1, 2}, null), corrupt);
      assertEquals(Reasons.CORRUPT_IMAGE, corrupt.get().reason);
      Result http = new Result();
      f.asyncInvoke(withImage("h", null, "http://127.0.0.1:1/x.png"), http);
      assertEquals(Reasons.UNREACHABLE_URI, http.get().reason);
      // a real HTTP server: the image is fetched; a missing path is unreachable (HTTP 404)
      byte[] png = png();
      com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
          new java.net.InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/img.png", x -> {
        x.sendResponseHeaders(200, png.length);
        x.getResponseBody().write(png);
        x.close();
      });
      server.start();
      try {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        Result fetched = new Result();
        f.asyncInvoke(withImage("web", null, base + "/img.png"), fetched);
        assertNull(fetched.get().reason, fetched.get().detail);
        Result missing = new Result();
        f.asyncInvoke(withImage("web404", null, base + "/nope.png"), missing);
        assertEquals(Reasons.UNREACHABLE_URI, missing.get().reason);
        assertTrue(missing.get().detail.contains("HTTP 404"), missing.get().detail);
      } finally {
        server.stop(0);
      }
      Path big = dir.resolve("big.png");
      Files.write(big, new byte[6000]);
      Result large = new Result();
      f.asyncInvoke(withImage("l", null, big.toUri().toString()), large);
      assertEquals(Reasons.IMAGE_TOO_LARGE, large.get().reason);
      Result late = new Result();
      f.timeout(withImage("t", png(), null), late);
      assertEquals(Reasons.INFERENCE_TIMEOUT, late.get().reason);
      assertTrue(late.get().detail.contains("60000 ms"), late.get().detail);
    } finally {
      f.close();
    }
  }

  @Test
  void aModelThatFailsOnABatchRejectsThoseSamplesOnly() throws Exception {
    // exported without a dynamic batch axis: it loads (the check runs batch 1) but fails on batches of 3
    EmbedImages f = open(true);
    try {
      List<Result> rs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Result r = new Result();
        f.asyncInvoke(withImage("s" + i, png(), null), r);
        rs.add(r);
      }
      for (Result r : rs) {
        SampleEvent e = r.get();
        assertEquals(Reasons.INFERENCE_ERROR, e.reason);
        assertTrue(e.detail.contains("inference failed"), e.detail);
      }
      Result alone = new Result(); // the service keeps serving
      f.asyncInvoke(withImage("alone", png(), null), alone);
      assertNull(alone.get().reason);
    } finally {
      f.close();
    }
  }
}
