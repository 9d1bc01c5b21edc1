package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.ClassWindow;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.Samples.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fmselect.publish=latest through the real job: under a backlog (a bounded replay whose windows are tiny next
 * to the work per window) the window ends closed meanwhile are folded, so fewer ends are published than have a
 * change, each exact; a live stream whose windows close a second apart has every window end with a change
 * published.
 */
class PublishCadenceITCase {
  static final int DIM = 4;
  static final double FRACTION = 0.25;
  static InJvmKafka kafka;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = InJvmKafka.start();
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
  }

  /** The batch answer at window end t on the samples, each end computed once. */
  /** Waits until the windows topic's last end is {@code end} and the subset topic holds every record its marks count. */
  static boolean lastEndPublished(CommittedReader windows, CommittedReader subset, long end, Duration timeout)
      throws Exception {
    return windows.awaitUntil(ws -> {
      try {
        List<Long> ends = MembershipCheck.ends(MembershipCheck.windows(ws));
        return !ends.isEmpty() && ends.get(ends.size() - 1) == end
            && subset.poll().size() == MembershipCheck.windows(ws).stream().mapToInt(SubsetWindow::getEvents).sum();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, timeout);
  }

  static LongFunction<MembershipCheck.BatchAt> batchAt(List<Sample> samples) {
    Map<Long, MembershipCheck.BatchAt> memo = new HashMap<>();
    return t -> memo.computeIfAbsent(t, at -> MembershipCheck.batch(Samples.dataSetAt(samples, at), "ram-apl",
        FRACTION));
  }

  /**
   * 2,000 samples 1 ms of event time apart (classes 0 to 2) in 2 ms windows, replayed bounded: 1,000 windows
   * close as fast as the job reads them, far faster than one window's class selection takes, so latest folds.
   */
  @Test
  void aBacklogIsFoldedIntoFewerPublishedEndsEachExact() throws Exception {
    final long window = 2;
    final int rows = 2000;
    SplittableRandom r = new SplittableRandom(11);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      samples.add(Samples.upsert(EventTimeITCase.id(i), i, i % 3, EventTimeITCase.point(r, i % 3)));
    }
    String in = "samples-backlog";
    String out = "subset-backlog";
    kafka.createTopic(in, 2);
    kafka.createTopic(out, 2);
    kafka.createTopic("rejects-backlog", 1);
    Properties props = kafka.clientProperties();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < rows; i++) {
        producer.send(new ProducerRecord<>(in, i % 2, samples.get(i).id(), Samples.bytes(samples.get(i)))).get();
      }
    }
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(StreamOptions.FMS, List.of("a=" + DIM));
    conf.set(StreamOptions.FRACTION, FRACTION);
    conf.set(StreamOptions.WINDOW, Duration.ofMillis(window));
    conf.set(StreamOptions.OUT_OF_ORDERNESS, Duration.ofMillis(1));
    conf.set(StreamOptions.PUBLISH, Publish.LATEST.option());
    StreamConfig config = StreamConfig.from(conf);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    env.enableCheckpointing(300, CheckpointingMode.EXACTLY_ONCE);
    SubsetJob.build(env, SubsetJob.kafkaSource(props, in, "g-backlog", config, true),
        SubsetJob.kafkaSinks(props, out, "rejects-backlog", "t-backlog"), config);
    env.execute("backlog");

    assertEquals(List.of(), kafka.readCommitted("rejects-backlog"), "no sample rejected (none late)");
    List<SubsetChange> published = MembershipCheck.subset(kafka, out);
    List<ClassWindow> classes = MembershipCheck.classes(kafka, out + "-classes");
    List<SubsetWindow> marks = MembershipCheck.windows(kafka, out);
    long last = (rows - 1) / window * window + window; // the window end of the last sample (event time rows - 1)
    LongFunction<MembershipCheck.BatchAt> batch = batchAt(samples);
    List<Long> ends = MembershipCheck.assertLatest(published, classes, marks, batch, window, last, true);
    List<Long> changed = MembershipCheck.changedEnds(batch, window, last);
    System.out.printf("backlog: %d window ends with data, %d with a change, %d published%n", last / window,
        changed.size(), ends.size());
    assertTrue(ends.size() < changed.size(), "latest folds a backlog: " + ends.size() + " ends published of "
        + changed.size() + " window ends with a change (" + last / window + " with data)");
  }

  /**
   * An unbounded job fed live: once window 1000 is out, samples 50 ms apart in event time are sent 50 ms apart
   * in processing time, so windows close about a second apart (more than half a window) and none is folded:
   * every window end with a change is published, exact.
   */
  @Test
  void aLiveStreamHasEveryWindowPublished() throws Exception {
    final long window = EventTimeITCase.WINDOW;
    SplittableRandom r = new SplittableRandom(12);
    try (EventTimeITCase.Run run = new EventTimeITCase.Run(kafka, "live", 1);
        CommittedReader subset = new CommittedReader(kafka, "subset-live");
        CommittedReader windows = new CommittedReader(kafka, Topics.windows("subset-live"))) {
      run.start(1, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1), Publish.LATEST.option());
      List<Sample> accepted = new ArrayList<>();
      int n = 0;
      // the first window at once; the idle flush publishes it once the job is up and the stream is quiet
      for (; n < 20; n++) {
        Sample s = Samples.upsert(EventTimeITCase.id(n), 50L * n, n % 3, EventTimeITCase.point(r, n % 3));
        run.send(0, s);
        accepted.add(s);
      }
      run.flush();
      assertTrue(windows.awaitUntil(ws -> !ws.isEmpty(), Duration.ofSeconds(60)), "window 1000 is published");
      // then live: event time moves as processing time does, 4 more windows
      long start = System.nanoTime();
      for (int i = 0; 1010 + 50L * i < 5000; i++, n++) {
        long wait = start + 50_000_000L * i - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        Sample s = Samples.upsert(EventTimeITCase.id(n), 1010 + 50L * i, n % 3, EventTimeITCase.point(r, n % 3));
        run.send(0, s);
        accepted.add(s);
      }
      run.flush();
      // the idle flush publishes the last window; wait until the subset topic holds what the marks name
      boolean done = lastEndPublished(windows, subset, 5000, Duration.ofSeconds(60));
      run.close();
      assertTrue(done, "the last window end (5000) is published");
      assertEquals(List.of(), EventTimeITCase.rejects(kafka, run.rejects), "nothing is late or future");
      List<SubsetChange> published = MembershipCheck.subset(subset.poll());
      List<SubsetWindow> marks = MembershipCheck.windows(windows.poll());
      LongFunction<MembershipCheck.BatchAt> batch = batchAt(accepted);
      List<Long> ends = MembershipCheck.assertLatest(published, MembershipCheck.classes(kafka, "subset-live-classes"),
          marks, batch, window, 5000, true);
      assertEquals(MembershipCheck.changedEnds(batch, window, 5000), ends,
          "every window end with a change is published while the job keeps up");
    }
  }

  /**
   * Latest mode through stop-with-savepoint and a restore at another parallelism: a job at parallelism 2 takes
   * in a first part, is stopped with a savepoint while windows are still open, and a job at parallelism 1
   * resumes from it with the rest. Every end published by either is exact, and the last is the batch answer.
   */
  @Test
  void latestIsExactThroughStopWithSavepointAndARescale(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    final long window = EventTimeITCase.WINDOW;
    SplittableRandom r = new SplittableRandom(21);
    try (EventTimeITCase.Run run = new EventTimeITCase.Run(kafka, "savepoint", 2);
        CommittedReader subset = new CommittedReader(kafka, "subset-savepoint");
        CommittedReader windows = new CommittedReader(kafka, Topics.windows("subset-savepoint"))) {
      List<Sample> accepted = new ArrayList<>();
      int n = 0;
      for (; n < 400; n++) { // event times 0 .. 3990: windows 1000 .. 4000
        Sample s = Samples.upsert(EventTimeITCase.id(n), 10L * n, n % 3, EventTimeITCase.point(r, n % 3));
        run.send(n % 2, s);
        accepted.add(s);
      }
      run.flush();
      run.start(2, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1), Publish.LATEST.option());
      assertTrue(windows.awaitUntil(ws -> {
        try {
          List<Long> ends = MembershipCheck.ends(MembershipCheck.windows(ws));
          return !ends.isEmpty() && ends.get(ends.size() - 1) >= 4000;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, Duration.ofSeconds(60)), "the first part is published");
      run.savepoint = run.stopWithSavepoint(dir);
      for (int i = 0; i < 400; i++, n++) { // relabels and new samples, event times 4010 .. 8000
        String id = EventTimeITCase.id(i % 3 == 0 ? i : n);
        Sample s = Samples.upsert(id, 4010 + 10L * i, (n + 1) % 3, EventTimeITCase.point(r, (n + 1) % 3));
        run.send(i % 2, s);
        accepted.add(s);
      }
      run.flush();
      run.start(1, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1), Publish.LATEST.option());
      boolean done = lastEndPublished(windows, subset, 8000, Duration.ofSeconds(45));
      run.close();
      List<SubsetWindow> got = MembershipCheck.windows(windows.poll());
      assertTrue(done, "the last window end (8000) is published after the restore; published: "
          + MembershipCheck.ends(got) + ", events " + got.stream().mapToInt(SubsetWindow::getEvents).sum()
          + ", subset records " + subset.poll().size() + ", rejects " + EventTimeITCase.rejects(kafka, run.rejects));
      assertEquals(List.of(), EventTimeITCase.rejects(kafka, run.rejects), "nothing is late or future");
      MembershipCheck.assertLatest(MembershipCheck.subset(subset.poll()),
          MembershipCheck.classes(kafka, "subset-savepoint-classes"), MembershipCheck.windows(windows.poll()),
          batchAt(accepted), window, 8000, true);
    }
  }
}
