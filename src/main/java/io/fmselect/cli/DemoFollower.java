package io.fmselect.cli;

import io.fmselect.avro.Rejected;
import io.fmselect.avro.SubsetChange;
import io.fmselect.demo.WindowStat;
import io.fmselect.io.SubsetRecords;
import io.fmselect.io.SubsetView;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the demo job's output as a consumer of it would: the subset through {@link SubsetView} (committed
 * windows only), the explain topic's latest figures per sample, and the rejects topic's count by reason.
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
  private volatile Map<String, SubsetChange> selected = Map.of();
  private final Map<String, SubsetChange> explained = new ConcurrentHashMap<>();
  private final Map<String, Long> rejects = new ConcurrentHashMap<>();
  private final AtomicLong rejected = new AtomicLong();
  private volatile long lastWindowEnd = Long.MIN_VALUE;
  private volatile long firstSelectedNanos = -1;

  private DemoFollower(SubsetView view, KafkaConsumer<byte[], byte[]> side, String rejectsTopic) {
    this.view = view;
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
    Properties p = new Properties();
    p.putAll(kafka);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "fmselect-demo-follower-" + ProcessHandle.current().pid());
    KafkaConsumer<byte[], byte[]> side = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    side.subscribe(explainTopic == null ? List.of(rejectsTopic) : List.of(rejectsTopic, explainTopic));
    DemoFollower f = new DemoFollower(view, side, rejectsTopic);
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
        selected = Map.copyOf(view.selected());
        lastWindowEnd = w.windowEnd().toEpochMilli();
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
          if (r.topic().equals(rejectsTopic)) {
            String reason;
            try {
              reason = Rejected.getDecoder().decode(r.value()).getReason();
            } catch (Exception e) {
              reason = "undecodable";
            }
            rejects.merge(reason, 1L, Long::sum);
            rejected.incrementAndGet();
          } else {
            try {
              SubsetChange c = SubsetRecords.decode(ByteBuffer.wrap(r.value()));
              explained.put(c.getId(), c);
            } catch (Exception e) {
              // not an fmselect record: the explain topic is the job's own, nothing else writes it
            }
          }
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

  /** The subset after the last committed window, by id. */
  Map<String, SubsetChange> selected() {
    return selected;
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
    return lastWindowEnd;
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
    view.close();
    side.close();
  }
}
