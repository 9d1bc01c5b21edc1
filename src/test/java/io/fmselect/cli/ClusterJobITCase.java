package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fmselect.kafka.InJvmKafka;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar on a real standalone Flink cluster (separate JobManager and TaskManager processes,
 * RocksDB, file checkpoints), submitted through the REST API as {@code flink run} would: the subset it
 * publishes equals {@code select} on the same data, and a bad flag fails the submission with its
 * one-line message.
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
    }
  }
}
