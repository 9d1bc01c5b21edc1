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
 * job jar), fails the submission with its one-line message.
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

      StreamCommandsITCase.assertSubsetIsTheBatchSelection(bs, d, dir);

      // images: the job jar brings DJL and ONNX Runtime, the cluster has neither
      Path models = Files.createDirectories(dir.resolve("models"));
      io.fmselect.embed.TinyEncoderAccess.write(models, false);
      // TorchScript (libtorch) is not in the job jar: the submission says so
      Path torchScript = Files.createDirectories(dir.resolve("torchscript-models"));
      io.fmselect.embed.TinyEncoderAccess.write(torchScript, true);
      JsonNode noTorch = flink.run(jar, 2, List.of("--bootstrap-servers", bs, "--models", torchScript.toString()));
      assertTrue(noTorch.toString().contains("b.yaml: 'engine: PyTorch' is not in this build of fmselect"),
          noTorch.toString());
      Path images = StreamImagesITCase.writeImages(dir.resolve("images"));
      kafka.createTopic("images", 2);
      kafka.createTopic("images-subset", 2);
      InProcess.Run p = InProcess.run("produce", "--bootstrap-servers", bs, "--topic", "images", "--images",
          images.toString(), "--interval-ms", "20");
      assertEquals(0, p.code(), p.err());
      JsonNode withImages = flink.run(jar, 2, List.of("--bootstrap-servers", bs, "--models", models.toString(),
          "--input-topic", "images", "--output-topic", "images-subset", "--group-id", "images", "--fraction", "0.2",
          "--window", "500ms", "--bounded", "-D", "execution.checkpointing.interval=1s",
          // one injected failure: the tasks restart, their models are released and loaded again
          "-D", "fmselect.chaos.fail-after-records=25"));
      String imagesJob = withImages.path("jobid").asText();
      assertTrue(!imagesJob.isEmpty(), withImages.toString());
      assertEquals("FINISHED", flink.await(imagesJob, 180), flink.log("taskmanager"));
      assertTrue(flink.get("/jobs/" + imagesJob + "/exceptions").toString().contains("injected failure"),
          "the job did restart");
      Path out = Files.createDirectories(dir.resolve("images-check"));
      StreamImagesITCase.assertSubsetIsSelectOnEmbed(bs, "images-subset", models, images, out);
      // a second job on the same TaskManager loads ONNX Runtime again, in its own class loader
      kafka.createTopic("images-subset-2", 2);
      JsonNode again = flink.run(jar, 2, List.of("--bootstrap-servers", bs, "--models", models.toString(),
          "--input-topic", "images", "--output-topic", "images-subset-2", "--group-id", "images-2", "--fraction", "0.2",
          "--window", "500ms", "--bounded", "-D", "execution.checkpointing.interval=1s"));
      assertEquals("FINISHED", flink.await(again.path("jobid").asText(), 180), flink.log("taskmanager"));
      StreamImagesITCase.assertSubsetIsSelectOnEmbed(bs, "images-subset-2", models, images,
          Files.createDirectories(dir.resolve("images-check-2")));
    }
  }
}
