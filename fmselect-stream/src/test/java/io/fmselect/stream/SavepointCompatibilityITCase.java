package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.avro.SubsetWindow;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.stream.Samples.Sample;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint written by this release's job, kept as a test resource ({@value #RESOURCE}LAYOUT/), is restored by
 * the current job: a change to any state's format (a codec that writes or reads its fields otherwise, a state
 * renamed, another serializer) makes the restore fail or the output differ, and so fails CI, unless the change
 * raises {@link SubsetJob#LAYOUT} and writes a new resource (then a savepoint of the previous layout is refused
 * in one line, as {@code OtherLayoutSavepointITCase} shows).
 *
 * <p>The resource ({@link SavepointResourceWriter}, run only when asked): a job at parallelism 2 (RocksDB, every
 * window published) reads {@link #FIRST} samples of 3 classes (one FM, 4 dims, generated from seed
 * {@value #SEED}; 2 input partitions) with event times 0 to 2,990 ms (1 s windows: ends 1,000 to 3,000), is
 * stopped with a canonical savepoint once window 3,000 is published, and the savepoint directory is copied with
 * the committed records of its subset, classes and windows topics.
 *
 * <p>{@link #theCurrentJobResumesFromTheResourceSavepoint}: on a fresh in-JVM broker with the same topic names, the
 * first run's output records go back into the output topics and the first run's samples into the input topic,
 * in the same partitions, so the Kafka source's restored offsets (150 per partition) point just past them (a
 * source that read from the start instead would send the first run's samples again, behind the restored
 * watermark: rejected as late, which fails the test); then
 * {@link #SECOND} more samples (event times 3,010 to 5,990, classes 0 and 1 only; a third of them move a first-run
 * sample of class 0 to class 1) follow them. The job restored from a copy of the resource must read only those, and the subset, classes
 * and windows topics (old records and new) must hold exactly what the batch selector gives at every window end
 * over the first run's samples and the new ones: the new windows' events are the differences from the batch at
 * 3,000, the classes' sizes count the restored members, a moved sample needs its restored embedding, the figures
 * of classes 0 and 1 use class 2's centroid as restored (the broadcast state), and the windows topic's running
 * subset size continues from WindowMarks' restored count. A job that ignored the state
 * would fail at the first move (no stored embedding) or publish other events. Then the restored job is stopped with
 * a savepoint of its own, and every state serializer in it must be a versioned one of fmselect's or a Flink
 * primitive ({@link SerializerAudit#notVersioned}).
 *
 * <p>What it does not prove: the exactly-once sinks' restored state (transactional ids, committables) names
 * transactions of the first broker, already committed there, which the fresh broker does not know; the test shows
 * only that the job restores and runs on with it and that no record appears twice, not how the sinks would resume
 * on the broker they wrote to (PublishCadenceITCase restores on the same broker). The savepoint's byte-level formats
 * of the hand-encoded byte[] states (embeddings, class sums, the waiting changes) are checked only through the
 * output; the codecs' formats, field by field, by {@link SavepointResourceTest}. Nor does it cover state that only
 * other settings create (an embedding stage, latest publishing, an explain topic), nor rescaling.
 */
class SavepointCompatibilityITCase {
  static final String RESOURCE = "src/test/resources/savepoints/";
  static final String WRITE_PROPERTY = "fmselect.savepoint.write";
  static final long SEED = 2025;
  static final int FIRST = 300;
  static final int SECOND = 300;
  static final String TAG = "compat";
  static final String[] OUTPUTS = {"subset-" + TAG, "subset-" + TAG + "-classes", Topics.windows("subset-" + TAG)};
  static InJvmKafka kafka;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = InJvmKafka.start();
  }

  @AfterAll
  static void stopKafka() throws Exception {
    kafka.close();
  }

  /** The samples of both runs, from the seed: the first FIRST, then SECOND more, sample n into partition n % 2. */
  static List<Sample> samples() {
    SplittableRandom r = new SplittableRandom(SEED);
    List<Sample> all = new ArrayList<>();
    for (int n = 0; n < FIRST; n++) { // event times 0 .. 2990: windows 1000 .. 3000
      all.add(Samples.upsert(EventTimeITCase.id(n), 10L * n, n % 3, EventTimeITCase.point(r, n % 3)));
    }
    // event times 3010 .. 5990, classes 0 and 1 only: a third move a first-run sample of class 0 to class 1, the
    // others are new; class 2 keeps its first-run members, so its centroid is the restored one
    for (int i = 0; i < SECOND; i++) {
      int n = FIRST + i;
      String id = EventTimeITCase.id(i % 3 == 0 ? i : n);
      long label = i % 3 == 1 ? 0 : 1;
      all.add(Samples.upsert(id, 3010 + 10L * i, label, EventTimeITCase.point(r, label)));
    }
    return all;
  }

  /** Starts the job as both runs do: parallelism 2, every window, idle flush after 1 s. */
  static void start(EventTimeITCase.Run run) throws Exception {
    run.start(2, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1));
  }

  @Test
  void theCurrentJobResumesFromTheResourceSavepoint(@TempDir Path tmp) throws Exception {
    Path resource = Path.of(RESOURCE, SubsetJob.LAYOUT);
    assertTrue(Files.isRegularFile(resource.resolve("savepoint/_metadata")), "a savepoint of layout "
        + SubsetJob.LAYOUT + " in " + resource.toAbsolutePath() + " (SavepointResourceWriter writes one)");
    List<Sample> all = samples();
    try (EventTimeITCase.Run run = new EventTimeITCase.Run(kafka, TAG, 2);
        CommittedReader subset = new CommittedReader(kafka, OUTPUTS[0]);
        CommittedReader windows = new CommittedReader(kafka, OUTPUTS[2])) {
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.clientProperties(),
          new StringSerializer(), new ByteArraySerializer())) {
        for (String topic : OUTPUTS) { // the first run's output, as the first broker held it
          for (ConsumerRecord<String, byte[]> r : readRecords(resource.resolve(topic + ".records"), topic)) {
            producer.send(new ProducerRecord<>(topic, r.partition(), r.key(), r.value())).get();
          }
        }
      }
      for (int n = 0; n < all.size(); n++) { // the first run's samples again (offsets line up), then the new ones
        run.send(n % 2, all.get(n));
      }
      run.flush();
      Path copy = tmp.resolve("restored");
      copyTree(resource.resolve("savepoint"), copy);
      run.savepoint = copy.toUri().toString();
      start(run);
      boolean done = PublishCadenceITCase.lastEndPublished(windows, subset, 6000, Duration.ofSeconds(40));
      Path again = Path.of(java.net.URI.create(run.stopWithSavepoint(tmp.resolve("again"))));
      List<SubsetWindow> marks = MembershipCheck.windows(windows.poll());
      assertTrue(done, "the last window end (6000) is published after the restore; published: "
          + MembershipCheck.ends(marks) + ", rejects " + EventTimeITCase.rejects(kafka, run.rejects));
      assertEquals(List.of(), EventTimeITCase.rejects(kafka, run.rejects), "nothing rejected");
      MembershipCheck.assertEveryWindow(MembershipCheck.subset(subset.poll()), MembershipCheck.classes(kafka, OUTPUTS[1]),
          marks, PublishCadenceITCase.batchAt(all), EventTimeITCase.WINDOW, 6000, true);

      List<SavepointStates.Entry> states = SavepointStates.read(again, SavepointResourceTest.uids());
      assertTrue(states.stream().anyMatch(e -> e.operator().equals(SubsetJob.uid("member-store"))),
          "the savepoint names the member store's state: " + states);
      assertEquals(List.of(), SerializerAudit.notVersioned(states),
          "state serializers that are neither fmselect's versioned ones nor a Flink primitive");
    }
  }

  /** Each record: partition, key (null: -1), value; the topic's records in its partitions' order. */
  static void writeRecords(List<ConsumerRecord<String, byte[]>> records, Path file) throws IOException {
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
      out.writeInt(records.size());
      for (ConsumerRecord<String, byte[]> r : records) {
        out.writeInt(r.partition());
        RecordType.Fields.writeBytes(r.key() == null ? null : r.key().getBytes(StandardCharsets.UTF_8), out);
        RecordType.Fields.writeBytes(r.value(), out);
      }
    }
  }

  static List<ConsumerRecord<String, byte[]>> readRecords(Path file, String topic) throws IOException {
    List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        int partition = in.readInt();
        byte[] key = RecordType.Fields.readBytes(in);
        all.add(new ConsumerRecord<>(topic, partition, i, key == null ? null : new String(key, StandardCharsets.UTF_8),
            RecordType.Fields.readBytes(in)));
      }
    }
    return all;
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
