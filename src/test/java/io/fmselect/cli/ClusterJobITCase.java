package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fmselect.kafka.InJvmKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
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
      kafka.createTopic("samples", 2);
      kafka.createTopic("subset", 2);
      kafka.createTopic("rejects", 1);
      Path d = dir.resolve("data");
      assertEquals(0, LauncherITCase.launch("generate", "--out-dir", d.toString(), "--rows", "1200", "--classes", "6",
          "--dims", "16,8", "--names", "dinov2,clip").code());
      LauncherITCase.Result p = LauncherITCase.launch("produce", "--bootstrap-servers", bs, "--labels",
          d.resolve("labels.npy").toString(), "--features", "dinov2=" + d.resolve("dinov2.npy"), "--features",
          "clip=" + d.resolve("clip.npy"), "--interval-ms", "10");
      assertEquals(0, p.code(), p.err());
      String jar = flink.upload(Path.of("target/fmselect-job.jar"));

      JsonNode bad = flink.run(jar, 2, List.of("--bootstrap-servers", bs, "--fm", "dinov2"));
      assertTrue(bad.toString().contains("FM 'dinov2' must be NAME=DIM"), bad.toString());

      JsonNode ok = flink.run(jar, 2, List.of("--bootstrap-servers", bs, "--fm", "dinov2=16", "--fm", "clip=8",
          "--fraction", "0.1", "--window", "2s", "--bounded", "-D", "execution.checkpointing.interval=1s"));
      String job = ok.path("jobid").asText();
      assertTrue(!job.isEmpty(), ok.toString());
      assertEquals("FINISHED", flink.await(job, 180), flink.log("taskmanager"));

      Path stream = dir.resolve("stream.txt");
      LauncherITCase.Result s = LauncherITCase.launch("subset", "--bootstrap-servers", bs, "--out", stream.toString());
      assertEquals(0, s.code(), s.err());
      Path batch = dir.resolve("batch.txt");
      assertEquals(0, LauncherITCase.launch("select", "--fraction", "0.1", "--labels", d.resolve("labels.npy").toString(),
          "--features", "dinov2=" + d.resolve("dinov2.npy"), "--features", "clip=" + d.resolve("clip.npy"),
          "--out", batch.toString()).code());
      List<String> want = Files.readAllLines(batch).stream().map(l -> String.format("%010d", Integer.parseInt(l)))
          .collect(Collectors.toList());
      assertEquals(want, Files.readAllLines(stream));
      assertTrue(want.size() > 100);
    }
  }
}
