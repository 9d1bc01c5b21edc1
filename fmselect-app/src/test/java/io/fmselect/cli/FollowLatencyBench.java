package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fmselect.avro.MembershipEvent;
import io.fmselect.io.PythonReader;
import io.fmselect.kafka.InJvmKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long a follower takes to reflect a committed window: a transactional writer commits one window at a
 * time (50 JOINED records over 2 partitions, then its mark) on the embedded broker; the time from the commit's
 * return to the follower's manifest holding the window, for {@code subset --follow} and the Python reader.
 * A benchmark, not run by CI: {@code mvn -B verify -Dit.test=FollowLatencyBench -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false}; prints its figures.
 */
class FollowLatencyBench {
  static final int WINDOWS = 40;
  static final int PER_WINDOW = 50;

  @TempDir Path dir;

  @Test
  void followLatency() throws Exception {
    try (InJvmKafka kafka = InJvmKafka.start()) {
      for (String who : List.of("java", "python")) {
        String topic = "f-" + who;
        kafka.createTopic(topic, 2);
        kafka.createTopic(topic + "-windows", 1);
        Path out = dir.resolve(who + ".ids");
        Thread java = null;
        Process python = null;
        String[] args = {"--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic, "--out", out.toString(),
            "--follow", "--max-windows", Integer.toString(WINDOWS)};
        if (who.equals("java")) {
          java = new Thread(() -> InProcess.run(concat(new String[] {"subset"}, args)));
          java.start();
        } else {
          python = PythonReader.start(List.of(args), dir.resolve("py.out"), dir.resolve("py.err"));
        }
        while (!Files.exists(out)) {
          Thread.sleep(5);
        }
        Properties p = kafka.clientProperties();
        p.put("transactional.id", "bench-" + who);
        double[] ms = new double[WINDOWS];
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
          producer.initTransactions();
          for (int w = 1; w <= WINDOWS; w++) {
            producer.beginTransaction();
            for (int i = 0; i < PER_WINDOW; i++) {
              String id = String.format("w%03d-%03d", w, i);
              var c = ProduceSubsetITCase.change(id, 1, true, w * 1000L);
              c.setEvent(MembershipEvent.JOINED);
              c.setWindowEnd(Instant.ofEpochMilli(w * 1000L));
              producer.send(new ProducerRecord<>(topic, id, ProduceSubsetITCase.bytes(c)));
            }
            producer.send(new ProducerRecord<>(topic + "-windows", "windows",
                ProduceSubsetITCase.mark(w * 1000L, PER_WINDOW, PER_WINDOW, 0, (long) w * PER_WINDOW)));
            producer.commitTransaction();
            long t0 = System.nanoTime();
            while (lines(out) < w * PER_WINDOW) {
              Thread.onSpinWait();
            }
            ms[w - 1] = (System.nanoTime() - t0) / 1e6;
          }
        }
        if (java != null) {
          java.join(30_000);
        } else {
          python.waitFor();
          assertEquals(0, python.exitValue());
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf("FOLLOW-LATENCY %s: %d windows of %d records: median %.1f ms, p90 %.1f ms, max %.1f ms%n", who,
            WINDOWS, PER_WINDOW, sorted[WINDOWS / 2], sorted[(int) (WINDOWS * 0.9)], sorted[WINDOWS - 1]);
      }
    }
  }

  private static long lines(Path p) {
    try {
      return Files.lines(p).count();
    } catch (Exception e) {
      return -1; // being replaced
    }
  }

  private static String[] concat(String[] a, String[] b) {
    List<String> l = new ArrayList<>(Arrays.asList(a));
    l.addAll(Arrays.asList(b));
    return l.toArray(new String[0]);
  }
}
