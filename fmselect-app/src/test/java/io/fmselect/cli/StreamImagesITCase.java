package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.LabeledSample;
import io.fmselect.avro.Op;
import io.fmselect.avro.Rejected;
import io.fmselect.embed.TinyEncoderAccess;
import io.fmselect.kafka.InJvmKafka;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images in, subset out: samples carry images, the job embeds them with two generated ONNX FMs (DJL,
 * ONNX Runtime), and the published subset equals {@code select} on the embeddings {@code embed}
 * computes for the same images. Broken images, a too-large one and an unreachable URI go to rejects
 * with their reasons while the job carries on.
 */
class StreamImagesITCase {
  @TempDir Path dir;

  @Test
  void imagesAreEmbeddedInTheStreamAndSelectedAsInBatch() throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    TinyEncoderAccess.write(models);
    Path images = writeImages(dir.resolve("images"));
    try (InJvmKafka kafka = InJvmKafka.start()) {
      String bs = kafka.bootstrapServers();
      kafka.createTopic("samples", 2);
      kafka.createTopic("subset", 2);
      kafka.createTopic("rejects", 1);
      InProcess.Run p = InProcess.run("produce", "--start-time", "0", "--bootstrap-servers", bs, "--images", images.toString(), "--interval-ms", "20");
      assertEquals(0, p.code(), p.err());
      // bad records after the good ones (event times past them: nothing is late)
      Path big = dir.resolve("big.png");
      Files.write(big, new byte[3000]);
      try (KafkaProducer<String, byte[]> prod = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(),
          new ByteArraySerializer())) {
        prod.send(bad("x-corrupt", ByteBuffer.wrap(new byte[] {1, 2, 3}), null, 2000));
        prod.send(bad("x-nofile", null, dir.resolve("nope.png").toString(), 2010));
        prod.send(bad("x-big", null, big.toString(), 2020));
        prod.send(bad("x-bigbytes", ByteBuffer.wrap(new byte[2500]), null, 2030));
        prod.flush();
      }
      InProcess.Run job = InProcess.run("run", "--bootstrap-servers", bs, "--models", models.toString(), "--fraction", "0.2",
          "--window", "500ms", "--bounded", "--parallelism", "2", "--no-web-ui", "-D", "fmselect.embed.max-image-bytes=2000",
          "-D", "execution.checkpointing.interval=1s", "-D", "execution.checkpointing.dir=" + dir.resolve("ck").toUri());
      assertEquals(0, job.code(), job.err());

      assertSubsetIsSelectOnEmbed(bs, "subset", models, images, dir);

      // a model that does not give its spec's dimension: one line before the job starts, exit code 2
      Path wrong = Files.createDirectories(dir.resolve("wrong-models"));
      Files.copy(models.resolve("a.onnx"), wrong.resolve("a.onnx"));
      Files.writeString(wrong.resolve("a.yaml"), Files.readString(models.resolve("a.yaml"))
          .replace("dimension: 4", "dimension: 7"));
      InProcess.Run refused = InProcess.run("run", "--bootstrap-servers", bs, "--models", wrong.toString(),
          "--output-topic", "subset-wrong", "--bounded", "--no-web-ui");
      assertEquals(2, refused.code(), refused.err());
      assertTrue(refused.err().contains("a.yaml: output 'embedding' has shape (1, 4), expected (1, 7)"), refused.err());

      Map<String, String> reasons = new TreeMap<>();
      for (ConsumerRecord<String, byte[]> rec : readAll(kafka, "rejects", 4)) {
        Rejected rj = Rejected.fromByteBuffer(ByteBuffer.wrap(rec.value()));
        LabeledSample orig = LabeledSample.fromByteBuffer(rj.getRaw());
        reasons.put(orig.getId(), rj.getReason());
      }
      assertEquals(Map.of("x-corrupt", "corrupt-image", "x-nofile", "unreachable-uri", "x-big", "image-too-large",
          "x-bigbytes", "image-too-large"), reasons);
    }
  }

  /** An image folder of 3 classes x 20 small PNGs, the classes told apart by colour. */
  static Path writeImages(Path images) throws Exception {
    SplittableRandom r = new SplittableRandom(5);
    for (int c = 0; c < 3; c++) {
      Path cd = Files.createDirectories(images.resolve("class" + c));
      for (int i = 0; i < 20; i++) {
        BufferedImage img = new BufferedImage(9 + i % 3, 8 + i % 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
          for (int x = 0; x < img.getWidth(); x++) {
            int base = 60 * c;
            img.setRGB(x, y, (base + r.nextInt(80)) << 16 | (200 - base + r.nextInt(50)) << 8 | r.nextInt(256));
          }
        }
        ImageIO.write(img, "png", cd.resolve(String.format("%02d.png", i)).toFile());
      }
    }
    return images;
  }

  /** The subset topic equals {@code select} (fraction 0.2) on what {@code embed} computes for the images. */
  static void assertSubsetIsSelectOnEmbed(String bs, String topic, Path models, Path images, Path dir) throws Exception {
    Path stream = dir.resolve("stream.txt");
    InProcess.Run s = InProcess.run("subset", "--bootstrap-servers", bs, "--topic", topic, "--out", stream.toString());
    assertEquals(0, s.code(), s.err());
    Path emb = Files.createDirectories(dir.resolve("emb"));
    InProcess.Run e = InProcess.run("embed", "--models", models.toString(), "--images", images.toString(), "--out", emb + "/");
    assertEquals(0, e.code(), e.err());
    Path batch = dir.resolve("batch.txt");
    InProcess.Run sel = InProcess.run("select", "--fraction", "0.2", "--labels", emb.resolve("labels.npy").toString(),
        "--features", "a=" + emb.resolve("a.npy"), "--features", "b=" + emb.resolve("b.npy"), "--out", batch.toString());
    assertEquals(0, sel.code(), sel.err());
    List<String> want = Files.readAllLines(batch).stream().map(l -> String.format("%010d", Integer.parseInt(l)))
        .collect(Collectors.toList());
    assertEquals(want, Files.readAllLines(stream));
    assertEquals(12, want.size());
  }

  static ProducerRecord<String, byte[]> bad(String id, ByteBuffer image, String uri, long t) throws Exception {
    LabeledSample s = LabeledSample.newBuilder().setId(id).setLabel(0L).setOp(Op.UPSERT)
        .setEventTime(Instant.ofEpochMilli(t)).setImage(image).setImageUri(uri).build();
    ByteBuffer b = s.toByteBuffer();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return new ProducerRecord<>("samples", id, bytes);
  }

  static List<ConsumerRecord<String, byte[]>> readAll(InJvmKafka kafka, String topic, int expected) {
    var p = kafka.clientProperties();
    p.put("group.id", "r" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("isolation.level", "read_committed");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
