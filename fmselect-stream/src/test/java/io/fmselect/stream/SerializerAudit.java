package io.fmselect.stream;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.MapSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;

/**
 * The serializers of a job's edges (every operator's inputs, output and key) that are Flink's POJO or Kryo
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
}
