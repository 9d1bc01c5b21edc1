package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fmselect.stream.window.Reasons;
import io.fmselect.stream.window.SampleEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.junit.jupiter.api.Test;

/** The per-partition watermark generators, driven by hand on a manual clock. */
class EventClockTest {
  /** ooo 100 ms, idleness 1 s, idle flush 3 s, windows of 1 s. */
  static StreamConfig config() {
    Configuration c = new Configuration();
    c.set(StreamOptions.FMS, List.of("a=2"));
    c.set(StreamOptions.WINDOW, Duration.ofSeconds(1));
    c.set(StreamOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
    c.set(StreamOptions.IDLENESS, Duration.ofSeconds(1));
    c.set(StreamOptions.IDLE_FLUSH, Duration.ofSeconds(3));
    return StreamConfig.from(c);
  }

  /** What a generator told its output: "wm 1234" or "idle". */
  static final class Output implements WatermarkOutput {
    final List<String> seen = new ArrayList<>();

    @Override
    public void emitWatermark(Watermark w) {
      seen.add("wm " + w.getTimestamp());
    }

    @Override
    public void markIdle() {
      seen.add("idle");
    }

    @Override
    public void markActive() {
      seen.add("active");
    }

    List<String> take() {
      List<String> s = List.copyOf(seen);
      seen.clear();
      return s;
    }
  }

  static WatermarkGenerator<SampleEvent> generator(EventClock clock, ManualClock time) {
    return clock.createWatermarkGenerator(new WatermarkGeneratorSupplier.Context() {
      @Override
      public MetricGroup getMetricGroup() {
        return new UnregisteredMetricsGroup();
      }

      @Override
      public RelativeClock getInputActivityClock() {
        return time;
      }
    });
  }

  static SampleEvent sample(long t) {
    SampleEvent e = new SampleEvent();
    e.id = "x";
    e.eventTime = t;
    return e;
  }

  static SampleEvent flagged(String reason, long t) {
    SampleEvent e = sample(t);
    e.reason = reason;
    return e;
  }

  static void event(WatermarkGenerator<SampleEvent> g, SampleEvent e, Output out) {
    g.onEvent(e, e.eventTime, out);
  }

  @Test
  void onlyAcceptedSamplesMoveEventTime() {
    ManualClock time = new ManualClock();
    EventClock clock = EventClock.unbounded(config());
    WatermarkGenerator<SampleEvent> g = generator(clock, time);
    Output out = new Output();
    event(g, flagged(Reasons.UNDECODABLE, 1_764_000_000_000L), out); // a Kafka timestamp of today
    g.onPeriodicEmit(out);
    assertEquals(List.of(), out.take(), "nothing accepted yet: no watermark");
    event(g, sample(1000), out);
    event(g, flagged(Reasons.FUTURE, 1_764_000_000_000L), out);
    event(g, sample(900), out);
    g.onPeriodicEmit(out);
    assertEquals(List.of("wm 899"), out.take(), "the newest accepted event time less the out-of-orderness");
  }

  @Test
  void aSilentPartitionGoesIdleAndComesBack() {
    ManualClock time = new ManualClock();
    EventClock clock = EventClock.unbounded(config());
    WatermarkGenerator<SampleEvent> a = generator(clock, time);
    WatermarkGenerator<SampleEvent> b = generator(clock, time);
    Output out = new Output();
    event(b, sample(500), out);
    for (int i = 0; i < 5; i++) { // a keeps receiving, b is silent
      event(a, sample(1000 + 200 * i), out);
      time.advanceTime(Duration.ofMillis(250));
      b.onPeriodicEmit(out);
    }
    assertEquals(List.of("wm 399", "wm 399", "wm 399", "wm 399", "idle"), out.take(),
        "idle once silent for the idleness (1 s), while the subtask as a whole is not quiet");
    b.onPeriodicEmit(out);
    assertEquals(List.of(), out.take(), "idle is said once");
    event(b, sample(2000), out);
    b.onPeriodicEmit(out);
    assertEquals(List.of("wm 1899"), out.take(), "a new sample makes it active again");
  }

  @Test
  void aQuietSubtaskFlushesToTheEndOfItsNewestWindowThenGoesIdle() {
    ManualClock time = new ManualClock();
    EventClock clock = EventClock.unbounded(config());
    WatermarkGenerator<SampleEvent> a = generator(clock, time);
    WatermarkGenerator<SampleEvent> b = generator(clock, time);
    WatermarkGenerator<SampleEvent> empty = generator(clock, time); // a partition that never had a sample
    Output outA = new Output();
    Output outB = new Output();
    Output outEmpty = new Output();
    event(a, sample(1500), outA);
    event(b, sample(2300), outB);
    List<String> a1 = new ArrayList<>();
    for (int i = 0; i < 14; i++) { // 3.5 s of silence
      time.advanceTime(Duration.ofMillis(250));
      a.onPeriodicEmit(outA);
      b.onPeriodicEmit(outB);
      empty.onPeriodicEmit(outEmpty);
    }
    // activity is noticed at the first periodic emission (0.25 s): idle at 1.25 s, the flush at 3.25 s
    assertEquals(List.of("wm 1399", "wm 1399", "wm 1399", "wm 1399", "idle", "wm 3000", "idle"), outA.take(),
        "after the idle flush (3 s), the end of the window of the subtask's newest event time, then idle");
    assertEquals(List.of("wm 2199", "wm 2199", "wm 2199", "wm 2199", "idle", "wm 3000", "idle"), outB.take());
    assertEquals(List.of("idle"), outEmpty.take(), "a partition without samples only goes idle");
    for (int i = 0; i < 10; i++) {
      time.advanceTime(Duration.ofMillis(250));
      a.onPeriodicEmit(outA);
    }
    assertEquals(List.of(), outA.take(), "the flush happens once");
    event(a, sample(3100), outA);
    a.onPeriodicEmit(outA);
    assertEquals(List.of("wm 2999"), outA.take(), "active again (the multiplexer keeps the highest watermark)");
  }

  @Test
  void aBoundedInputNeverIdlesNorFlushes() {
    ManualClock time = new ManualClock();
    EventClock clock = EventClock.bounded(config());
    WatermarkGenerator<SampleEvent> a = generator(clock, time);
    Output out = new Output();
    event(a, sample(1500), out);
    time.advanceTime(Duration.ofMinutes(5));
    a.onPeriodicEmit(out);
    assertEquals(List.of("wm 1399"), out.take());
  }
}
