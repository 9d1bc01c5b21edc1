package io.fmselect.wire;

import io.fmselect.avro.MembershipEvent;
import io.fmselect.avro.SubsetChange;
import io.fmselect.avro.SubsetWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subset as a JVM pipeline sees it: follows a subset topic and its {@code <topic>-windows} topic
 * ({@code read_committed}) and applies a window end's membership events only once all of them are there,
 * so {@link #selected()} is always the subset at {@link #windowEnd()}, never half a window.
 *
 * <p>A window end is complete once as many of its records have been read as its {@link SubsetWindow}
 * counts. On a compacted topic an old window's record may be gone, replaced by its sample's later one:
 * such a window end is taken as complete once a later one is and every partition has been read to the
 * ends it had when that later one was announced (at once when catching up). A view that starts late, or
 * again, catches up from the topics alone. Records may be in either of fmselect's framings ({@link WireFormat});
 * with {@value SchemaRegistry#URL} in the properties the view resolves Confluent schema ids through that
 * registry (one it cannot reach makes {@link #catchUp} or {@link #follow} throw {@link SchemaRegistry.Unavailable}
 * with nothing lost: called again, they read on from the record that needed it). A record that does not decode is skipped and counted
 * ({@link #skipped()}), with a warning. A follower started before the job has created the topics opens
 * with {@link #openWhenCreated}, which waits for them.
 *
 * <pre>{@code
 * try (SubsetView view = SubsetView.open(kafkaProperties, "subset", Duration.ofSeconds(30))) {
 *   view.follow(w -> train(view.selected(), w.joined(), w.left()), () -> stopping);
 * }
 * }</pre>
 *
 * Not thread-safe: one thread polls and calls the listener; read the view from that thread (the listener).
 */
public final class SubsetView implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SubsetView.class);

  /** One committed window end: its membership events, and the subset's size after it. */
  public record Window(Instant windowEnd, List<SubsetChange> joined, List<SubsetChange> left,
      List<SubsetChange> relabeled, long selected) {}

  /** Called once per committed window end, in window order, after the view has applied it. */
  @FunctionalInterface
  public interface Listener {
    void onWindow(Window window) throws Exception;
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final WireFormat wire;
  private final String topic;
  private final String windowsTopic;
  private final List<TopicPartition> partitions = new ArrayList<>();
  /** Records read but not yet applied, by window end. */
  private final TreeMap<Long, List<SubsetChange>> pending = new TreeMap<>();
  /** Window ends announced but not yet applied. */
  private final TreeMap<Long, SubsetWindow> marks = new TreeMap<>();
  /** When each pending window end was announced (System.nanoTime). */
  private final Map<Long, Long> announced = new HashMap<>();
  private static final long SETTLE_NANOS = 5_000_000_000L;
  /** Every sample with a membership event: its latest record. */
  private final TreeMap<String, SubsetChange> latest = new TreeMap<>();
  private final TreeMap<String, SubsetChange> selected = new TreeMap<>();
  private Instant windowEnd;
  private long skipped;
  /** No windows topic (a job before it had one): every record counts as committed when it is read. */
  private boolean unmarked;

  private SubsetView(KafkaConsumer<byte[], byte[]> consumer, String topic, WireFormat wire) {
    this.consumer = consumer;
    this.wire = wire;
    this.topic = topic;
    this.windowsTopic = windowsTopic(topic);
  }

  /** What a subset topic's windows topic is named after it: {@code <subset topic>-windows}. */
  public static final String WINDOWS_SUFFIX = "-windows";

  /** The topic of a subset topic's window ends (the job writes it beside the subset topic). */
  public static String windowsTopic(String subsetTopic) {
    return subsetTopic + WINDOWS_SUFFIX;
  }

  /**
   * Opens a view of {@code topic} from its beginning; throws {@link IllegalStateException} with one line if
   * the broker cannot be reached within {@code timeout} or the topic does not exist. Without its windows
   * topic (a job older than it) every record counts as committed once read.
   */
  public static SubsetView open(Properties kafka, String topic, Duration timeout) {
    try {
      return open(kafka, topic, timeout, null);
    } catch (InterruptedException e) {
      throw new AssertionError("does not wait", e);
    }
  }

  /**
   * Opens a view of {@code topic} once it and its windows topic exist: a follower started before the job
   * has created them waits, calling {@code waiting} once with the first topic missing, and looks again
   * every half second until both are there. Once the subset topic is there it waits at most {@code timeout}
   * for the windows topic, then opens as {@link #open} does without it (a job older than it, or brokers
   * that do not create it). Throws {@link IllegalStateException} with one line if the
   * broker cannot be reached within {@code timeout} (at any look), and InterruptedException if the thread
   * is interrupted while waiting.
   */
  public static SubsetView openWhenCreated(Properties kafka, String topic, Duration timeout,
      Consumer<String> waiting) throws InterruptedException {
    return open(kafka, topic, timeout, Objects.requireNonNull(waiting));
  }

  /** {@code waiting} null: the topics must exist now. */
  private static SubsetView open(Properties kafka, String topic, Duration timeout,
      Consumer<String> waiting) throws InterruptedException {
    Properties p = SchemaRegistry.kafkaOnly(kafka);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // looking must not create the windows topic
    p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    SubsetView v = new SubsetView(c, topic, WireFormat.of(kafka));
    try {
      Object servers = p.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
      Map<String, List<PartitionInfo>> found = v.lookUp(servers, timeout);
      boolean told = false;
      Long since = found.containsKey(topic) ? System.nanoTime() : null; // when the subset topic was first seen
      while (waiting != null && found.size() < 2 && (since == null || System.nanoTime() - since < timeout.toNanos())) {
        if (!told) {
          waiting.accept(found.containsKey(topic) ? v.windowsTopic : topic);
          told = true;
        }
        Thread.sleep(500);
        found = v.lookUp(servers, timeout);
        if (since == null && found.containsKey(topic)) {
          since = System.nanoTime();
        }
      }
      if (!found.containsKey(topic)) {
        throw new IllegalStateException("topic '" + topic + "' does not exist");
      }
      if (!found.containsKey(v.windowsTopic)) {
        v.unmarked = true;
        LOG.warn("topic '{}' does not exist (a job older than it, or not fmselect's): each record of '{}' counts as"
            + " committed once read, not window by window", v.windowsTopic, topic);
      }
      for (List<PartitionInfo> infos : found.values()) {
        for (PartitionInfo i : infos) {
          v.partitions.add(new TopicPartition(i.topic(), i.partition()));
        }
      }
      c.assign(v.partitions);
      c.seekToBeginning(v.partitions);
      return v;
    } catch (RuntimeException | InterruptedException e) {
      c.close();
      throw e;
    }
  }

  /** The partitions of the subset and windows topics that exist now, in that order (an absent one has no entry). */
  private Map<String, List<PartitionInfo>> lookUp(Object servers, Duration timeout) {
    Map<String, List<PartitionInfo>> found = new LinkedHashMap<>();
    for (String t : List.of(topic, windowsTopic)) {
      List<PartitionInfo> infos;
      try {
        infos = consumer.partitionsFor(t, timeout);
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        throw new IllegalStateException("cannot reach Kafka at " + servers + " within " + timeout.toSeconds() + " s", e);
      }
      if (infos != null && !infos.isEmpty()) {
        found.put(t, infos);
      }
    }
    return found;
  }

  /** The selected samples at {@link #windowEnd()}, by id (their latest records). */
  public SortedMap<String, SubsetChange> selected() {
    return Collections.unmodifiableSortedMap(selected);
  }

  /** Every sample that ever had a membership event, by id: its latest record (selected or not). */
  public SortedMap<String, SubsetChange> latest() {
    return Collections.unmodifiableSortedMap(latest);
  }

  /** The window end the view is at; null before the first. */
  public Instant windowEnd() {
    return windowEnd;
  }

  /** Records that did not decode and were skipped. */
  public long skipped() {
    return skipped;
  }

  /**
   * Reads both topics up to their ends as of now and applies every window end that is complete: the
   * subset as the topics hold it. However long a large topic takes to read, it goes on while it makes
   * progress; throws {@link IllegalStateException} if no record arrives for {@code timeout} before the ends
   * are reached.
   */
  public List<Window> catchUp(Duration timeout) throws Exception {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    long read = read(end);
    List<Window> applied = new ArrayList<>();
    while (!reached(end)) {
      long now = read(end);
      if (now > read) { // progress: the timeout counts from here
        read = now;
        deadline = System.nanoTime() + timeout.toNanos();
      } else if (System.nanoTime() > deadline) {
        throw new IllegalStateException("did not reach the end of '" + topic + "': nothing read for "
            + timeout.toSeconds() + " s");
      }
      poll(Duration.ofMillis(200), applied::add);
    }
    applyComplete(true, applied::add); // everything committed before the call is read
    return applied;
  }

  /** Follows the topics until {@code stop} says so (or {@link #wakeup()}), calling the listener once per window end. */
  public void follow(Listener listener, BooleanSupplier stop) throws Exception {
    try {
      while (!stop.getAsBoolean()) {
        poll(Duration.ofMillis(200), listener);
      }
    } catch (WakeupException e) {
      // stopped from another thread
    }
  }

  /** Makes a {@link #follow} in another thread return. */
  public void wakeup() {
    consumer.wakeup();
  }

  /** The sum of the positions in these partitions: grows as records (and transaction markers) are read. */
  private long read(Map<TopicPartition, Long> end) {
    long sum = 0;
    for (TopicPartition tp : end.keySet()) {
      sum += consumer.position(tp);
    }
    return sum;
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /**
   * One poll: reads what is there and applies the window ends that became complete, calling {@code l} after each.
   * If the schema registry cannot be reached, every partition goes back to its first record not yet read, so
   * the next poll reads it again, and {@link SchemaRegistry.Unavailable} is thrown.
   */
  private void poll(Duration wait, Listener l) throws Exception {
    ConsumerRecords<byte[], byte[]> records = consumer.poll(wait);
    Map<TopicPartition, Long> unread = new HashMap<>();
    for (TopicPartition tp : records.partitions()) {
      unread.put(tp, records.records(tp).get(0).offset());
    }
    for (ConsumerRecord<byte[], byte[]> r : records) {
      try {
        read(r);
      } catch (SchemaRegistry.Unavailable | SchemaRegistry.Refused e) { // Refused: the credentials (401, 403)
        unread.forEach(consumer::seek);
        throw e;
      }
      unread.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
    }
    applyComplete(false, l);
  }

  private void read(ConsumerRecord<byte[], byte[]> r) {
    try {
      if (r.topic().equals(topic)) {
        SubsetChange c = wire.decode(r.value(), SubsetChange.class);
        if (c.getEvent() != null || unmarked) {
          pending.computeIfAbsent(c.getWindowEnd().toEpochMilli(), w -> new ArrayList<>()).add(c);
        }
      } else {
        SubsetWindow w = wire.decode(r.value(), SubsetWindow.class);
        marks.put(w.getWindowEnd().toEpochMilli(), w);
        announced.put(w.getWindowEnd().toEpochMilli(), System.nanoTime());
      }
    } catch (WireFormat.NotDecodable e) {
      skipped++;
      if (skipped <= 10 || skipped % 1000 == 0) { // a flood of bad records is a few lines, not one per record
        LOG.warn("skipped {} partition {} offset {}: does not decode ({}); {} skipped so far", r.topic(),
            r.partition(), r.offset(), e.getMessage(), skipped);
      }
    }
  }

  /** True if a window end was announced a while ago and every partition is read to its end as of now. */
  private boolean settled(long windowEnd) {
    Long at = announced.get(windowEnd);
    if (at == null || System.nanoTime() - at < SETTLE_NANOS) {
      return false;
    }
    return reached(consumer.endOffsets(partitions, Duration.ofSeconds(10)));
  }

  private void applyComplete(boolean caughtUp, Listener l) throws Exception {
    if (unmarked) {
      for (Map.Entry<Long, List<SubsetChange>> e : pending.entrySet()) {
        marks.put(e.getKey(), new SubsetWindow(Instant.ofEpochMilli(e.getKey()), e.getValue().size(), 0, 0, 0, -1L));
      }
    }
    Long last = null; // apply through this window end
    Long latestComplete = null;
    boolean gap = false;
    for (SubsetWindow m : marks.values()) {
      long w = m.getWindowEnd().toEpochMilli();
      List<SubsetChange> got = pending.get(w);
      if ((got == null ? 0 : got.size()) >= m.getEvents()) {
        latestComplete = w;
        if (!gap) {
          last = w;
        }
      } else {
        gap = true;
      }
    }
    // A window end short of records before a complete one: on a compacted topic its missing records were
    // replaced by later ones. Taken as complete only once every partition has been read to ends fetched
    // after the later window end was announced (its records and all before are committed by then).
    if (latestComplete != null && !latestComplete.equals(last) && (caughtUp || settled(latestComplete))) {
      last = latestComplete;
    }
    if (last == null) {
      return;
    }
    for (SubsetWindow m : new ArrayList<>(marks.headMap(last, true).values())) {
      long w = m.getWindowEnd().toEpochMilli();
      List<SubsetChange> joined = new ArrayList<>();
      List<SubsetChange> left = new ArrayList<>();
      List<SubsetChange> relabeled = new ArrayList<>();
      for (List<SubsetChange> records : new ArrayList<>(pending.headMap(w, true).values())) {
        for (SubsetChange c : records) {
          MembershipEvent e = c.getEvent();
          apply(c, e == MembershipEvent.RELABELED ? relabeled : e == MembershipEvent.JOINED || e == null && c.getSelected()
              ? joined : left);
        }
      }
      pending.headMap(w, true).clear();
      marks.remove(w);
      announced.remove(w);
      windowEnd = m.getWindowEnd();
      if (!unmarked && selected.size() != m.getSelected()) {
        LOG.warn("{} at {}: {} selected here, the job counted {}", topic, windowEnd, selected.size(), m.getSelected());
      }
      l.onWindow(new Window(windowEnd, joined, left, relabeled, selected.size()));
    }
  }

  private void apply(SubsetChange c, List<SubsetChange> into) {
    SubsetChange prev = latest.get(c.getId());
    if (prev != null && prev.getVersion() > c.getVersion()) {
      return; // a sample's records come in window order; an older one never overrides
    }
    latest.put(c.getId(), c);
    if (c.getSelected()) {
      selected.put(c.getId(), c);
    } else {
      selected.remove(c.getId());
    }
    into.add(c);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
