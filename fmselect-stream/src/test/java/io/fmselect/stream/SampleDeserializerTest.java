package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fmselect.avro.LabeledSample;
import io.fmselect.stream.window.Reasons;
import io.fmselect.stream.window.SampleEvent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** What the deserializer decides before event time is known, and the future rule. */
class SampleDeserializerTest {
  static final long MS = 1_000_000L;

  static SampleDeserializer deserializer() {
    Configuration c = new Configuration();
    c.set(StreamOptions.FMS, List.of("a=4"));
    c.set(StreamOptions.MAX_FUTURE, Duration.ofHours(1));
    c.set(StreamOptions.IDLE_FLUSH, Duration.ofSeconds(10));
    return new SampleDeserializer(StreamConfig.from(c));
  }

  static SampleEvent decode(ByteBuffer embedding) {
    SampleEvent e = new SampleEvent();
    deserializer().decode(Samples.encode(LabeledSample.newBuilder().setId("x").setLabel(1L)
        .setEventTime(Instant.EPOCH).setEmbeddings(Map.of("a", embedding)).build()), e);
    return e;
  }

  @Test
  void aDimensionMismatchSaysWhatWasSentAsItWasSent() {
    SampleEvent five = decode(Samples.vec(new float[5]));
    assertEquals(Reasons.DIMENSION_MISMATCH, five.reason);
    assertEquals("FM 'a' has 5 values, the job expects 4 (a=4)", five.detail);
    SampleEvent odd = decode(ByteBuffer.wrap(new byte[17]));
    assertEquals("FM 'a' has 17 bytes (not a whole number of float32 values), the job expects 4 (a=4)", odd.detail);
  }

  static SampleEvent at(int partition, long t) {
    SampleEvent e = new SampleEvent();
    e.partition = partition;
    e.eventTime = t;
    return e;
  }

  @Test
  void aSampleFarAheadOfItsPartitionIsFuture() {
    SampleDeserializer d = deserializer();
    long hour = Duration.ofHours(1).toMillis();
    SampleEvent first = at(0, 1000);
    d.checkFuture(first, 0);
    assertNull(first.reason, "a partition's first sample sets its clock");
    SampleEvent edge = at(0, 1000 + hour);
    d.checkFuture(edge, MS);
    assertNull(edge.reason, "exactly max-future ahead is accepted");
    SampleEvent far = at(0, 2000 + 2 * hour);
    d.checkFuture(far, 2 * MS);
    assertEquals(Reasons.FUTURE, far.reason);
    assertEquals("event time 1970-01-01T02:00:02Z is more than PT1H (fmselect.max-future) ahead of the newest"
        + " accepted from partition 0, 1970-01-01T01:00:01Z", far.detail);
    SampleEvent other = at(1, 5 * hour);
    d.checkFuture(other, 3 * MS);
    assertNull(other.reason, "each partition has its own clock");
    // partition 0 sends nothing acceptable for the idle flush (10 s): its next sample is taken as it comes
    SampleEvent stillFar = at(0, 3 * hour);
    d.checkFuture(stillFar, 5_000 * MS);
    assertEquals(Reasons.FUTURE, stillFar.reason, "future samples are no activity");
    SampleEvent resumed = at(0, 3 * hour);
    d.checkFuture(resumed, MS + 10_000 * MS);
    assertNull(resumed.reason, "after a quiet spell the stream may resume at a later time");
    SampleEvent next = at(0, 3 * hour + 10);
    d.checkFuture(next, MS + 10_001 * MS);
    assertNull(next.reason);
  }
}
