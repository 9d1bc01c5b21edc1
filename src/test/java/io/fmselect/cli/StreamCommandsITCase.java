package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.kafka.InJvmKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's streaming walk-through, command by command, each a separate bin/fmselect process. */
class StreamCommandsITCase {
  @TempDir Path dir;

  @Test
  void produceRunAndSubsetGiveTheBatchSelection() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start()) {
      String bs = kafka.bootstrapServers();
      kafka.createTopic("samples", 2);
      kafka.createTopic("subset", 2);
      kafka.createTopic("rejects", 1);
      Path d = dir.resolve("data");
      assertEquals(0, LauncherITCase.launch("generate", "--out-dir", d.toString(), "--rows", "1500", "--classes", "8",
          "--dims", "24,12", "--names", "dinov2,clip").code());
      LauncherITCase.Result p = LauncherITCase.launch("produce", "--bootstrap-servers", bs, "--labels",
          d.resolve("labels.npy").toString(), "--features", "dinov2=" + d.resolve("dinov2.npy"), "--features",
          "clip=" + d.resolve("clip.npy"), "--interval-ms", "10");
      assertEquals(0, p.code(), p.err());
      LauncherITCase.Result r = LauncherITCase.launch("run", "--bootstrap-servers", bs, "--fm", "dinov2=24", "--fm",
          "clip=12", "--fraction", "0.1", "--window", "2s", "--bounded", "--parallelism", "2", "--no-web-ui");
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("done (job net runtime "), r.out());
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
