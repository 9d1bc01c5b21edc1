package io.fmselect.cli;

import io.fmselect.avro.SubsetWindow;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code run}'s line per published window: follows the job's own windows topic ({@code <subset>-windows})
 * read_committed, from its end when the job starts, and prints each {@link SubsetWindow} as a consumer can
 * read it: the window end, the subset's size, and its joins, leaves and relabels. So a window closed by the
 * idle flush, or the last one, shows as soon as its transaction commits (the next checkpoint), not when
 * the next window starts.
 *
 * <p>{@link #open} notes where the topic ends before the job starts; {@link #start} follows it on a daemon
 * thread; {@link #finish} reads what the finished job committed, to the topic's end, then stops.
 */
final class WindowLines implements AutoCloseable {
  private static final org.slf4j.Logger TRACE = org.slf4j.LoggerFactory.getLogger("io.fmselect.trace");
  /** The console's logger: the first failure to follow the topic is told there (the rest go to the log file). */
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WindowLines.class);
  /** How long the follower waits after a failure (a broker blip) before it tries again. */
  static final Duration BACKOFF = Duration.ofSeconds(1);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final PrintWriter out;
  /** Where each partition ended when the job started (the topic's partitions then; more may come). */
  private final Map<Integer, Long> from = new HashMap<>();
  private final List<TopicPartition> partitions = new ArrayList<>();
  private volatile boolean stop;
  private Thread thread;

  private final WireFormat wire;

  private WindowLines(KafkaConsumer<byte[], byte[]> consumer, String topic, PrintWriter out, WireFormat wire) {
    this.consumer = consumer;
    this.wire = wire;
    this.topic = topic;
    this.out = out;
  }

  /** A follower of {@code topic} that will print from the offsets it ends at now (its beginning if it does not exist yet). */
  static WindowLines open(Properties kafka, String topic, PrintWriter out, Duration timeout) {
    Properties p = SchemaRegistry.kafkaOnly(kafka);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // the job's sink creates it
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    WindowLines w = new WindowLines(new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
        topic, out, WireFormat.of(kafka));
    try {
      List<PartitionInfo> infos = w.consumer.partitionsFor(topic, timeout);
      List<TopicPartition> now = new ArrayList<>();
      for (PartitionInfo i : infos == null ? List.<PartitionInfo>of() : infos) {
        now.add(new TopicPartition(topic, i.partition()));
      }
      w.consumer.endOffsets(now, timeout).forEach((tp, end) -> w.from.put(tp.partition(), end));
    } catch (RuntimeException e) {
      w.consumer.close();
      throw e;
    }
    return w;
  }

  /**
   * Follows the topic on a daemon thread until {@link #finish} or {@link #close}. A failure (a broker that
   * does not answer in time, a poll error) does not end it: it tries again after {@link #BACKOFF}, and tells
   * the console of the first failure once.
   */
  void start() {
    thread = new Thread(() -> {
      retrying(() -> pollOnce(Duration.ofMillis(500)), () -> stop, BACKOFF, e -> LOG.warn(
          "cannot follow {} ({}): the window lines may lag; trying again every {} s", topic, e.toString(),
          BACKOFF.toSeconds()));
    }, "fmselect-window-lines");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Runs {@code step} until {@code stop} says so; a step that throws is logged to the log file and tried again
   * after {@code backoff}, and {@code firstFailure} hears of the first one. A {@link WakeupException} (from
   * {@link #stopThread}) ends it.
   */
  static void retrying(Runnable step, BooleanSupplier stop, Duration backoff,
      java.util.function.Consumer<RuntimeException> firstFailure) {
    boolean told = false;
    while (!stop.getAsBoolean()) {
      try {
        step.run();
      } catch (WakeupException e) {
        return;
      } catch (RuntimeException e) {
        TRACE.warn("following the window lines failed", e);
        if (!told) {
          firstFailure.accept(e);
          told = true;
        }
        long until = System.nanoTime() + backoff.toNanos();
        while (!stop.getAsBoolean() && System.nanoTime() < until) {
          sleep(Duration.ofMillis(Math.min(100, Math.max(1, backoff.toMillis()))));
        }
      }
    }
  }

  /**
   * After the job has ended: stops the thread, then prints every window committed up to the topic's end.
   * Throws {@link KafkaException} if the brokers do not answer in time, or the thread did not stop (then the
   * consumer, which is not thread-safe, is left alone).
   */
  void finish(Duration timeout) throws InterruptedException {
    if (!stopThread()) {
      throw new KafkaException("the thread following " + topic + " did not stop");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    assign();
    while (System.nanoTime() < deadline) {
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
      boolean done = true;
      for (TopicPartition tp : partitions) {
        done &= consumer.position(tp, timeout) >= end.get(tp);
      }
      if (done) {
        return;
      }
      pollOnce(Duration.ofMillis(200));
    }
  }

  private void pollOnce(Duration wait) {
    if (!assign()) {
      sleep(wait);
      return;
    }
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
      SubsetWindow w;
      try {
        w = wire.decode(r.value(), SubsetWindow.class);
      } catch (WireFormat.NotDecodable | SchemaRegistry.Unavailable e) {
        TRACE.warn("{} offset {}: not a SubsetWindow", topic, r.offset(), e);
        continue;
      }
      out.println(line(w));
      out.flush();
    }
  }

  /** The line of one window end, as {@code run} prints it. */
  static String line(SubsetWindow w) {
    return line(w.getWindowEnd(), w.getSelected(), w.getJoined(), w.getLeft(), w.getRelabeled());
  }

  /** The one wording of a window end's line, for {@code run} and {@code subset --follow}. */
  static String line(java.time.Instant end, long selected, long joined, long left, long relabeled) {
    return String.format("window end %s: %d selected, %d joined, %d left, %d relabeled", end, selected, joined, left,
        relabeled);
  }

  /** Assigns the topic's partitions once it has them (new ones from their beginning); false while it has none. */
  private boolean assign() {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
    if (infos == null || infos.size() == partitions.size()) {
      return !partitions.isEmpty();
    }
    List<TopicPartition> added = new ArrayList<>();
    for (PartitionInfo i : infos) {
      TopicPartition tp = new TopicPartition(topic, i.partition());
      if (!partitions.contains(tp)) {
        added.add(tp);
      }
    }
    partitions.addAll(added);
    consumer.assign(partitions); // the partitions assigned before keep their positions
    for (TopicPartition tp : added) {
      consumer.seek(tp, from.getOrDefault(tp.partition(), 0L));
    }
    return !partitions.isEmpty();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the follower thread: asks it to, then wakes its consumer up if it is still busy (a wakeup only
   * between polls would stay pending for the next call, hence not at once). False if it is still alive.
   */
  private boolean stopThread() throws InterruptedException {
    stop = true;
    if (thread != null) {
      thread.join(15_000);
      if (thread.isAlive()) {
        consumer.wakeup(); // the one consumer method that is safe from another thread
        thread.join(5_000);
      }
      if (thread.isAlive()) {
        return false;
      }
      thread = null;
    }
    return true;
  }

  @Override
  public void close() {
    boolean stopped;
    try {
      stopped = stopThread();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = false;
    }
    if (stopped) { // else the daemon thread still owns the consumer: it goes with the JVM
      consumer.close(Duration.ofSeconds(5));
    }
  }
}
