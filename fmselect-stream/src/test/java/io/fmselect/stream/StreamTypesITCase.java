package io.fmselect.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.stream.window.MemberChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;

/**
 * A MiniCluster job with {@code pipeline.generic-types: false} that sends every {@link StreamTypes} type across a
 * rebalance and a keyBy (network, so serialized; chained operators, so copied) and checks what arrives.
 */
class StreamTypesITCase {
  static StreamExecutionEnvironment env() {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    return StreamExecutionEnvironment.createLocalEnvironment(2, conf);
  }

  /** The samples through source -> rebalance -> map -> keyBy -> map -> collect, each edge with {@code type}. */
  static <T> DataStream<T> shuffled(StreamExecutionEnvironment env, TypeInformation<T> type, List<T> samples) {
    return env.fromData(samples, type).rebalance().map(x -> x).returns(type)
        .keyBy(x -> 0, Types.INT).map(x -> x).returns(type);
  }

  @Test
  void everyTypeArrivesIntactAcrossAShuffleWithGenericTypesOffAndNoPojoOrKryoSerializer() throws Exception {
    StreamExecutionEnvironment env = env();
    Map<RecordSamples.Case<?>, CloseableIterator<?>> out = new LinkedHashMap<>();
    for (RecordSamples.Case<?> c : RecordSamples.all()) {
      out.put(c, shuffled(env, c).collectAsync());
    }
    assertEquals(List.of(), SerializerAudit.pojoOrKryo(env.getStreamGraph(false)));
    env.execute("stream types");
    for (Map.Entry<RecordSamples.Case<?>, CloseableIterator<?>> e : out.entrySet()) {
      List<Object> got = new ArrayList<>();
      e.getValue().forEachRemaining(got::add);
      e.getValue().close();
      List<?> sent = e.getKey().samples();
      assertEquals(sent.size(), got.size(), e.getKey().name());
      for (Object s : sent) { // order is not kept across the rebalance: match each sample once
        int i = indexOfSame(got, s);
        assertTrue(i >= 0, e.getKey().name() + ": " + s + " did not arrive intact");
        got.remove(i);
      }
    }
  }

  private static <T> DataStream<T> shuffled(StreamExecutionEnvironment env, RecordSamples.Case<T> c) {
    return shuffled(env, c.type(), c.samples());
  }

  private static int indexOfSame(List<Object> got, Object s) {
    for (int i = 0; i < got.size(); i++) {
      if (RecordSamples.same(s, got.get(i))) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void typeExtractionGivesMemberChangeAPojoSerializerWhichGenericTypesOffDoesNotRefuse() throws Exception {
    StreamExecutionEnvironment env = env();
    CloseableIterator<MemberChange> it = shuffled(env, TypeInformation.of(MemberChange.class),
        List.of(RecordSamples.memberChange())).collectAsync();
    List<String> found = SerializerAudit.pojoOrKryo(env.getStreamGraph(false));
    assertTrue(!found.isEmpty() && found.stream().allMatch(f -> f.endsWith(": PojoSerializer<MemberChange>")), found.toString());
    env.execute("pojo member change"); // runs: the switch refuses Kryo only, hence the audit above
    assertTrue(RecordSamples.same(RecordSamples.memberChange(), it.next()));
    it.close();
  }

  @Test
  void aTypeLeftToKryoIsRefusedInThisEnvironment() {
    Exception e = assertThrows(Exception.class, () -> {
      StreamExecutionEnvironment env = env();
      shuffled(env, TypeInformation.of(UUID.class), List.of(new UUID(1, 2))).collectAsync();
      env.execute("kryo");
    });
    UnsupportedOperationException u = ExceptionUtils.findThrowable(e, UnsupportedOperationException.class)
        .orElseThrow(() -> new AssertionError("not refused for its type", e));
    assertTrue(u.getMessage().contains("Generic types have been disabled"), u.getMessage());
  }
}
