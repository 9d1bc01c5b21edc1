package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fmselect.avro.Rejected;
import io.fmselect.stream.window.Reasons;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rejects counter on its own, its processing time driven by hand: the first reject of each reason is
 * logged at once, counts at most once per interval and only after new rejects; the tally survives a restore.
 */
class CountRejectsTest {
  /** The WARN lines CountRejects writes, as the console shows their messages. */
  static final class Lines extends AbstractAppender {
    final List<String> lines = new ArrayList<>();

    Lines() {
      super("count-rejects-lines", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public synchronized void append(LogEvent event) {
      lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
    }

    synchronized List<String> take() {
      List<String> l = List.copyOf(lines);
      lines.clear();
      return l;
    }
  }

  private final Lines lines = new Lines();
  private org.apache.logging.log4j.core.Logger logger;
  private org.apache.logging.log4j.Level level;

  @BeforeEach
  void attach() {
    lines.start();
    logger = (org.apache.logging.log4j.core.Logger) LogManager.getLogger(CountRejects.class);
    level = logger.getLevel();
    // Flink's test jars bring a log4j2-test.properties that turns logging off: on for this logger, as in the CLI
    Configurator.setLevel(logger.getName(), org.apache.logging.log4j.Level.INFO);
    logger.addAppender(lines);
  }

  @AfterEach
  void detach() {
    logger.removeAppender(lines);
    Configurator.setLevel(logger.getName(), level);
  }

  static Rejected rejected(String reason, String id, String detail) {
    return Rejected.newBuilder().setReason(reason).setId(id).setDetail(detail)
        .setRaw(java.nio.ByteBuffer.wrap(new byte[0])).setSourceTopic("t").setSourcePartition(0).setSourceOffset(0)
        .setTime(java.time.Instant.EPOCH).build();
  }

  static OneInputStreamOperatorTestHarness<Rejected, Rejected> harness(CountRejects op) throws Exception {
    return new OneInputStreamOperatorTestHarness<>(op);
  }

  @Test
  void theFirstRejectOfAReasonIsLoggedAtOnceAndCountsAtMostOncePerInterval() throws Exception {
    CountRejects op = new CountRejects(60_000);
    try (var h = harness(op)) {
      h.open();
      h.setProcessingTime(1_000);
      h.processElement(rejected(Reasons.DIMENSION_MISMATCH, "s1", "FM 'a' has 3 values, the job expects 2 (a=2)"), 0);
      assertEquals(List.of("WARN rejected: dimension-mismatch (first id s1): FM 'a' has 3 values, the job expects 2"
          + " (a=2); later ones are counted here at most every 1 min"), lines.take(), "the first, at once");
      h.processElement(rejected(Reasons.DIMENSION_MISMATCH, "s2", "x"), 0);
      h.processElement(rejected(Reasons.DIMENSION_MISMATCH, "s3", "x"), 0);
      h.processElement(rejected(Reasons.LATE, "s4", "its window was closed"), 0);
      assertEquals(List.of("WARN rejected: late (first id s4): its window was closed; later ones are counted here at"
          + " most every 1 min"), lines.take(), "a new reason's first is logged at once too; no count yet");
      h.setProcessingTime(60_999);
      assertEquals(List.of(), lines.take(), "not before the interval");
      h.setProcessingTime(61_000);
      assertEquals(List.of("WARN rejected: dimension-mismatch: 3 so far (2 since the last count)"), lines.take(),
          "one count per reason with new rejects (late had none after its first)");
      h.setProcessingTime(500_000);
      assertEquals(List.of(), lines.take(), "no new rejects, no line");
      for (int i = 0; i < 5; i++) {
        h.processElement(rejected(Reasons.LATE, "l" + i, "x"), 0);
        h.processElement(rejected(Reasons.DIMENSION_MISMATCH, "d" + i, "x"), 0);
      }
      h.setProcessingTime(559_999);
      assertEquals(List.of(), lines.take(), "a minute after the first new reject");
      h.setProcessingTime(560_000);
      assertEquals(List.of("WARN rejected: dimension-mismatch: 8 so far (5 since the last count)",
          "WARN rejected: late: 6 so far (5 since the last count)"), lines.take());
      assertEquals(14, h.getOutput().size(), "every reject goes on to the topic");
      Map<String, RejectTally.Reason> figures = op.figures();
      assertEquals(new RejectTally.Reason(8, "s1", "FM 'a' has 3 values, the job expects 2 (a=2)"),
          figures.get(Reasons.DIMENSION_MISMATCH));
      assertEquals(new RejectTally.Reason(6, "s4", "its window was closed"), figures.get(Reasons.LATE));
    }
  }

  @Test
  void theTallySurvivesARestoreAndABoundedRunLogsNothing() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(new CountRejects(0))) {
      h.open();
      h.processElement(rejected(Reasons.UNKNOWN_FM, null, "embedding of FM 'b'"), 0);
      h.processElement(rejected(Reasons.UNKNOWN_FM, "x2", "y"), 0);
      snapshot = h.snapshot(1, 1);
      h.processElement(rejected(Reasons.UNKNOWN_FM, "x3", "y"), 0); // after the checkpoint: replayed after the restore
    }
    assertEquals(List.of(), lines.take(), "no log interval: no lines (a bounded run prints its summary at the end)");
    CountRejects restored = new CountRejects(0);
    try (var h = harness(restored)) {
      h.initializeState(snapshot);
      h.open();
      assertEquals(Map.of(Reasons.UNKNOWN_FM, new RejectTally.Reason(2, null, "embedding of FM 'b'")), restored.figures());
      h.processElement(rejected(Reasons.UNKNOWN_FM, "x3", "y"), 0);
      assertEquals(3, restored.figures().get(Reasons.UNKNOWN_FM).count(), "each reject counted once");
    }
  }
}
