package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fmselect.avro.LabeledSample;
import io.fmselect.kafka.InJvmKafka;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several local jobs on one machine, as users start them: each {@code run} is its own process, and each
 * web UI takes the next free port of the range (a second run used to die with a BindException).
 */
class LocalRunsITCase {
  private static final Pattern URL = Pattern.compile("Flink web UI: (http://[^/\\s]+)/#/job/running/([0-9a-f]{32})");

  @TempDir Path dir;

  @Test
  void threeRunsShareTheMachineAndProduceStampsNow() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start()) {
      String bs = kafka.bootstrapServers();
      kafka.createTopic("samples", 2);
      Path d = dir.resolve("data");
      assertEquals(0, LauncherITCase.launch("generate", "--out-dir", d.toString(), "--rows", "400", "--classes", "4",
          "--dims", "8", "--names", "a").code());
      long before = System.currentTimeMillis();
      LauncherITCase.Result p = LauncherITCase.launch("produce", "--bootstrap-servers", bs, "--labels",
          d.resolve("labels.npy").toString(), "--features", "a=" + d.resolve("a.npy"), "--interval-ms", "10");
      long after = System.currentTimeMillis();
      assertEquals(0, p.code(), p.err());
      long first = Long.MAX_VALUE;
      for (var r : kafka.readCommitted("samples")) {
        first = Math.min(first, LabeledSample.getDecoder().decode(ByteBuffer.wrap(r.value())).getEventTime().toEpochMilli());
      }
      assertTrue(first >= before && first <= after, "produce stamps its first sample with the time it starts: " + first);

      List<Process> runs = new ArrayList<>();
      List<Path> outs = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          List<String> cmd = new ArrayList<>(List.of(Path.of("bin/fmselect").toAbsolutePath().toString(), "run",
              "--bootstrap-servers", bs, "--fm", "a=8", "--group-id", "g" + i, "--output-topic", "subset" + i,
              "--rejects-topic", "rejects" + i, "--parallelism", "1", "-D", "fmselect.transactional-id-prefix=t" + i));
          if (i == 2) {
            cmd.add("--no-web-ui");
          }
          Path out = dir.resolve("run" + i + ".out");
          outs.add(out);
          runs.add(new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(dir.resolve("run" + i + ".err")
              .toFile()).start());
        }
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          Matcher m = DemoITCase.await(outs.get(i), URL, runs.get(i));
          urls.add(m.group(1));
          JsonNode job = new FlinkRest(m.group(1), m.group(2)).get("/jobs/" + m.group(2));
          assertEquals(m.group(2), job.path("jid").asText(), "the URL shows this run's job");
        }
        assertNotEquals(urls.get(0), urls.get(1), "each web UI on its own port");
        DemoITCase.await(outs.get(2), Pattern.compile("running ram-apl on samples -> subset2"), runs.get(2));
        Thread.sleep(3_000);
        for (int i = 0; i < 3; i++) {
          assertTrue(runs.get(i).isAlive(), "run " + i + " is still running: "
              + Files.readString(dir.resolve("run" + i + ".err")));
        }
      } finally {
        for (Process r : runs) {
          r.destroy();
        }
        for (Process r : runs) {
          r.waitFor();
        }
      }
    }
  }
}
