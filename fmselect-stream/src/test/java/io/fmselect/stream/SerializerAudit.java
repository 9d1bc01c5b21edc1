package io.fmselect.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.BooleanSerializer;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.MapSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;

/**
 * The serializers of a job's state ({@link #notVersioned}): each one of fmselect's own, versioned ones
 * ({@link RecordType}) or a Flink primitive (long, int, boolean, String, byte[]: the bytes of the Kafka
 * connector's state and of the job's hand-encoded blobs). And the serializers of a job's edges (every operator's inputs, output and key) that are Flink's POJO or Kryo
 * serializers. {@code pipeline.generic-types: false} refuses Kryo only; a POJO serializer passes it, so this looks
 * at the serializers themselves.
 */
final class SerializerAudit {
  private SerializerAudit() {}

  /** One line per offending serializer: {@code <operator>: PojoSerializer<record class>} or the Kryo one. */
  static List<String> pojoOrKryo(StreamGraph graph) {
    List<String> found = new ArrayList<>();
    for (StreamNode n : graph.getStreamNodes()) {
      List<TypeSerializer<?>> all = new ArrayList<>();
      if (n.getTypeSerializersIn() != null) {
        all.addAll(List.of(n.getTypeSerializersIn()));
      }
      all.add(n.getTypeSerializerOut());
      all.add(n.getStateKeySerializer());
      for (TypeSerializer<?> s : all) {
        check(n.getOperatorName(), s, found);
      }
    }
    return found;
  }

  private static void check(String operator, TypeSerializer<?> s, List<String> found) {
    if (s instanceof ListSerializer<?> l) {
      check(operator, l.getElementSerializer(), found);
    } else if (s instanceof MapSerializer<?, ?> m) {
      check(operator, m.getKeySerializer(), found);
      check(operator, m.getValueSerializer(), found);
    } else if (s instanceof PojoSerializer<?> p) {
      found.add(operator + ": PojoSerializer<" + p.createInstance().getClass().getSimpleName() + ">");
    } else if (s instanceof KryoSerializer<?>) {
      found.add(operator + ": " + s);
    }
  }

  /**
   * Flink's serializers whose format is a primitive's, fixed by Flink: allowed in state (VoidNamespaceSerializer:
   * the namespace of every keyed state that is not a window's, one byte).
   */
  private static final Set<Class<?>> PRIMITIVE = Set.of(LongSerializer.class, IntSerializer.class,
      BooleanSerializer.class, StringSerializer.class, BytePrimitiveArraySerializer.class,
      org.apache.flink.runtime.state.VoidNamespaceSerializer.class);

  /**
   * One line per state serializer (lists' and maps' elements included) that is neither fmselect's versioned
   * {@link RecordType} nor a Flink primitive: {@code <operator> <kind> '<state>' <role>: <serializer>}.
   */
  static List<String> notVersioned(List<SavepointStates.Entry> states) {
    List<String> found = new ArrayList<>();
    for (SavepointStates.Entry e : states) {
      if (!versionedOrPrimitive(e.serializer())) {
        found.add(e.toString());
      }
    }
    return found;
  }

  /** A serializer in one line: lists' and maps' elements named, Flink's by class, fmselect's with format version. */
  static String describe(TypeSerializer<?> s) {
    if (s instanceof ListSerializer<?> l) {
      return "List<" + describe(l.getElementSerializer()) + ">";
    }
    if (s instanceof MapSerializer<?, ?> m) {
      return "Map<" + describe(m.getKeySerializer()) + ", " + describe(m.getValueSerializer()) + ">";
    }
    return s instanceof RecordType.Serializer<?> ? s.toString() : s.getClass().getSimpleName();
  }

  private static boolean versionedOrPrimitive(TypeSerializer<?> s) {
    if (s instanceof ListSerializer<?> l) {
      return versionedOrPrimitive(l.getElementSerializer());
    }
    if (s instanceof MapSerializer<?, ?> m) {
      return versionedOrPrimitive(m.getKeySerializer()) && versionedOrPrimitive(m.getValueSerializer());
    }
    return s instanceof RecordType.Serializer<?> || PRIMITIVE.contains(s.getClass());
  }
}
