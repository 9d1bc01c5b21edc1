package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fmselect.kafka.InJvmKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar on a real standalone Flink cluster (separate JobManager and TaskManager processes,
 * RocksDB, file checkpoints), submitted through the REST API as {@code flink run} would: the subset it
 * publishes equals {@code select} on the same data, also when the samples are images the job embeds
 * (the job jar carries DJL and ONNX Runtime), and a bad flag, or a TorchScript FM (libtorch is not in the
 * job jar), fails the submission with its one-line message. The first cluster is a stock one (its JVMs get
 * no option beyond a Flink distribution's, so no {@code jdk.incubator.vector}): the job selects with its
 * scalar kernels, says so in the TaskManager's log, and gives the same subset; the second adds
 * {@code --add-modules jdk.incubator.vector} to {@code env.java.opts.all}, as the README advises.
 */
class ClusterJobITCase {
  @TempDir Path dir;

  @Test
  void theJobJarOnAClusterGivesTheBatchSelection() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start(); StandaloneFlink flink = StandaloneFlink.start(dir)) {
      String bs = kafka.bootstrapServers();
      Path d = StreamCommandsITCase.produceExample(kafka, dir, 1200, 6, 16, 8);
      String jar = flink.upload(Path.of("target/fmselect-job.jar"));

      JsonNode bad = flink.run(jar, 2, List.of("--bootstrap-servers", bs, "--fm", "dinov2"));
      assertTrue(bad.toString().contains("FM 'dinov2' must be NAME=DIM"), bad.toString());

      JsonNode ok = flink.run(jar, 2, List.of("--bootstrap-servers", bs, "--fm", "dinov2=16", "--fm", "clip=8",
          "--fraction", "0.1", "--window", "2s", "--bounded", "-D", "execution.checkpointing.interval=1s"));
      String job = ok.path("jobid").asText();
      assertTrue(!job.isEmpty(), ok.toString());
      assertEquals("FINISHED", flink.await(job, 180), flink.log("taskmanager"));

      // the batch selection runs here, with the vector API: the stock cluster's scalar kernels agree
      StreamCommandsITCase.assertSubsetIsTheBatchSelection(bs, d, dir);
      assertTrue(flink.log("taskmanager").lines().anyMatch(l -> l.contains("WARN") && l.contains("VectorApi")
          && l.contains("env.java.opts.all: --add-modules jdk.incubator.vector")), flink.log("taskmanager"));

      // images: the job jar brings DJL and ONNX Runtime, the cluster has neither
      Path models = Files.createDirectories(dir.resolve("models"));
      io.fmselect.embed.TinyEncoderAccess.write(models, false);
      // TorchScript (libtorch) is not in the job jar: the submission says so
      Path torchScript = Files.createDirectories(dir.resolve("torchscript-models"));
      io.fmselect.embed.TinyEncoderAccess.write(torchScript, true);
      JsonNode noTorch = flink.run(jar, 2, List.of("--bootstrap-servers", bs, "--models", torchScript.toString()));
      assertTrue(noTorch.toString().contains("b.yaml: 'engine: PyTorch' is not in this build of fmselect"),
          noTorch.toString());
      Path images = produceImages(kafka);
      // one injected failure: the tasks restart, their models are released and loaded again
      String imagesJob = imagesJob(flink, kafka, jar, models, images, "images-subset", "-D",
          "fmselect.chaos.fail-after-records=25");
      assertTrue(flink.get("/jobs/" + imagesJob + "/exceptions").toString().contains("injected failure"),
          "the job did restart");
      // a second job on the same TaskManager loads ONNX Runtime again, in its own class loader
      imagesJob(flink, kafka, jar, models, images, "images-subset-2");
    }
  }

  /**
   * TorchScript FMs on a cluster: DJL with both engines in the cluster's lib/, loaded parent-first, so
   * that libtorch's JNI library loads once per TaskManager and serves one job after another.
   */
  @Test
  void torchScriptFmsRunWithDjlInTheClustersLib() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start();
        StandaloneFlink flink = StandaloneFlink.start(dir, true, StandaloneFlink.VECTOR_MODULE)) {
      Path models = Files.createDirectories(dir.resolve("models"));
      io.fmselect.embed.TinyEncoderAccess.write(models, true);
      Path images = produceImages(kafka);
      String jar = flink.upload(Path.of("target/fmselect-job.jar"));
      imagesJob(flink, kafka, jar, models, images, "images-subset");
      imagesJob(flink, kafka, jar, models, images, "images-subset-2");
      assertTrue(flink.log("taskmanager").lines().noneMatch(l -> l.contains("VectorApi")), flink.log("taskmanager"));
    }
  }

  private Path produceImages(InJvmKafka kafka) throws Exception {
    Path images = StreamImagesITCase.writeImages(dir.resolve("images"));
    kafka.createTopic("images", 2);
    InProcess.Run p = InProcess.run("produce", "--start-time", "0", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "images",
        "--images", images.toString(), "--interval-ms", "20");
    assertEquals(0, p.code(), p.err());
    return images;
  }

  /**
   * Runs a bounded images job into {@code topic} and checks that its subset equals {@code select} on the
   * {@code embed} output; returns the job's id.
   */
  private String imagesJob(StandaloneFlink flink, InJvmKafka kafka, String jar, Path models, Path images,
      String topic, String... extra) throws Exception {
    String bs = kafka.bootstrapServers();
    kafka.createTopic(topic, 2);
    List<String> args = new java.util.ArrayList<>(List.of("--bootstrap-servers", bs, "--models", models.toString(),
        "--input-topic", "images", "--output-topic", topic, "--group-id", topic, "--fraction", "0.2",
        "--window", "500ms", "--bounded", "-D", "execution.checkpointing.interval=1s"));
    args.addAll(List.of(extra));
    JsonNode r = flink.run(jar, 2, args);
    String job = r.path("jobid").asText();
    assertTrue(!job.isEmpty(), r.toString());
    assertEquals("FINISHED", flink.await(job, 180), flink.log("taskmanager"));
    StreamImagesITCase.assertSubsetIsSelectOnEmbed(bs, topic, models, images,
        Files.createDirectories(dir.resolve(topic + "-check")));
    return job;
  }
}
