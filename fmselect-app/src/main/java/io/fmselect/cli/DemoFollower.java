package io.fmselect.cli;

import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.demo.Embedded;
import io.fmselect.demo.WindowStat;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import io.fmselect.wire.SubsetView;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the demo job's output as a consumer of it would: the subset through {@link SubsetView} (committed
 * windows only), the explain topic's latest figures per sample, and the rejects topic's count by reason and the
 * ids it rejected (with the last window end, what says which samples the subset was computed from:
 * {@link Embedded}).
 */
final class DemoFollower implements AutoCloseable {
  private final SubsetView view;
  private final KafkaConsumer<byte[], byte[]> side;
  private final String rejectsTopic;
  private final Thread subsetThread;
  private final Thread sideThread;
  private volatile boolean closing;
  private final AtomicReference<Throwable> failed = new AtomicReference<>();
  private final List<WindowStat> windows = new ArrayList<>();
  /** The subset and the window end it is at, replaced together so that a reader sees one window's. */
  private volatile Published published = new Published(Long.MIN_VALUE, Map.of());
  private final Set<String> rejectedIds = ConcurrentHashMap.newKeySet();
  private final Map<String, SubsetChange> explained = new ConcurrentHashMap<>();
  private final Map<String, Long> rejects = new ConcurrentHashMap<>();
  private final AtomicLong rejected = new AtomicLong();
  private volatile long firstSelectedNanos = -1;

  private final WireFormat wire;

  private DemoFollower(SubsetView view, KafkaConsumer<byte[], byte[]> side, String rejectsTopic, WireFormat wire) {
    this.view = view;
    this.wire = wire;
    this.side = side;
    this.rejectsTopic = rejectsTopic;
    this.subsetThread = new Thread(this::followSubset, "fmselect-demo-subset");
    this.sideThread = new Thread(this::followSide, "fmselect-demo-rejects");
    subsetThread.setDaemon(true);
    sideThread.setDaemon(true);
  }

  /** Opens the topics (the job creates them: waits up to a minute) and starts following them. */
  static DemoFollower start(Properties kafka, String subsetTopic, String rejectsTopic, String explainTopic) {
    SubsetView view = SubsetView.open(kafka, subsetTopic, Duration.ofSeconds(60));
    Properties p = SchemaRegistry.kafkaOnly(kafka);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "fmselect-demo-follower-" + ProcessHandle.current().pid());
    KafkaConsumer<byte[], byte[]> side = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    side.subscribe(explainTopic == null ? List.of(rejectsTopic) : List.of(rejectsTopic, explainTopic));
    DemoFollower f = new DemoFollower(view, side, rejectsTopic, WireFormat.of(kafka));
    f.subsetThread.start();
    f.sideThread.start();
    return f;
  }

  private void followSubset() {
    try {
      view.follow(w -> {
        synchronized (windows) {
          windows.add(WindowStat.of(w));
        }
        published = new Published(w.windowEnd().toEpochMilli(), Map.copyOf(view.selected()));
        if (firstSelectedNanos < 0 && w.selected() > 0) {
          firstSelectedNanos = System.nanoTime();
        }
      }, () -> closing);
    } catch (Throwable e) {
      if (!closing) {
        failed.compareAndSet(null, e);
      }
    }
  }

  private void followSide() {
    try {
      while (!closing) {
        for (ConsumerRecord<byte[], byte[]> r : side.poll(Duration.ofMillis(200))) {
          take(r);
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (Throwable e) {
      if (!closing) {
        failed.compareAndSet(null, e);
      }
    }
  }

  private void take(ConsumerRecord<byte[], byte[]> r) {
    if (r.topic().equals(rejectsTopic)) {
      String reason;
      try {
        Rejected x = wire.decode(r.value(), Rejected.class);
        reason = x.getReason();
        if (x.getId() != null) {
          rejectedIds.add(x.getId());
        }
      } catch (Exception e) {
        reason = "undecodable";
      }
      rejects.merge(reason, 1L, Long::sum);
      rejected.incrementAndGet();
    } else {
      try {
        SubsetChange c = wire.decode(r.value(), SubsetChange.class);
        explained.put(c.getId(), c);
      } catch (Exception e) {
        // not an fmselect record: the explain topic is the job's own, nothing else writes it
      }
    }
  }

  /**
   * Reads the rejects (and explain) topics to their ends as of now, a few seconds at most: a sample rejected late
   * is counted out of the embedded ones even if its record came after the last window's. Called once the side
   * thread has stopped (the consumer is not shared).
   */
  private void drainSide() {
    try {
      Map<TopicPartition, Long> end = side.endOffsets(side.assignment(), Duration.ofSeconds(5));
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < deadline && end.entrySet().stream().anyMatch(e -> side.position(e.getKey()) < e.getValue())) {
        try {
          for (ConsumerRecord<byte[], byte[]> r : side.poll(Duration.ofMillis(200))) {
            take(r);
          }
        } catch (WakeupException e) {
          // the wakeup of close(), if the side thread stopped without one poll taking it
        }
      }
    } catch (Exception e) {
      // the broker is going: the counts stay as read
    }
  }

  /**
   * The subset after a committed window and that window's end.
   *
   * @param windowEnd the window end (ms), Long.MIN_VALUE before the first
   * @param selected the subset after it, by id
   */
  record Published(long windowEnd, Map<String, SubsetChange> selected) {}

  /** The subset after the last committed window, with that window's end. */
  Published published() {
    return published;
  }

  /** The subset after the last committed window, by id. */
  Map<String, SubsetChange> selected() {
    return published.selected();
  }

  /** The samples of {@code published} the subset was computed from: its window end and the rejected ids. */
  Embedded embedded(Published at) {
    return at.windowEnd() == Long.MIN_VALUE ? Embedded.NONE : new Embedded(at.windowEnd(), rejectedIds);
  }

  /** The latest explained figures of every sample the explain topic has carried, by id. */
  Map<String, SubsetChange> explained() {
    return new TreeMap<>(explained);
  }

  int windowCount() {
    synchronized (windows) {
      return windows.size();
    }
  }

  List<WindowStat> windows() {
    synchronized (windows) {
      return List.copyOf(windows);
    }
  }

  long rejected() {
    return rejected.get();
  }

  Map<String, Long> rejectReasons() {
    return new TreeMap<>(rejects);
  }

  /** The last committed window end (ms), or Long.MIN_VALUE before the first. */
  long lastWindowEnd() {
    return published.windowEnd();
  }

  /** When the subset first held a sample (System.nanoTime), or -1. */
  long firstSelectedNanos() {
    return firstSelectedNanos;
  }

  /** What stopped a follower thread, or null. */
  Throwable failure() {
    return failed.get();
  }

  @Override
  public void close() throws InterruptedException {
    closing = true;
    view.wakeup();
    side.wakeup();
    subsetThread.join(10_000);
    sideThread.join(10_000);
    if (!sideThread.isAlive()) {
      drainSide();
    }
    view.close();
    side.close();
  }
}
