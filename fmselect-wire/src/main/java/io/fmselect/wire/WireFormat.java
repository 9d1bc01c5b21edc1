package io.fmselect.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * How fmselect's records travel on Kafka: the two Avro framings, told apart per record.
 *
 * <ul>
 *   <li><b>Single-object encoding</b> (Avro's own): {@code C3 01}, the schema's 8-byte CRC-64-AVRO fingerprint
 *       (little-endian), the datum. fmselect's default: a reader needs no registry, only the schema files
 *       ({@code schemas/}, and the shipped older versions under {@code schemas/v1/}).
 *   <li><b>Confluent wire format</b>: {@code 00}, the writer schema's id in a schema registry (4 bytes,
 *       big-endian), the datum. What Kafka Connect, Flink SQL's {@code avro-confluent}, Spark's
 *       {@code from_avro}, ksqlDB and the Confluent deserializers read. Written when a registry is given;
 *       the schemas are registered under the TopicNameStrategy subjects ({@code <topic>-value}).
 * </ul>
 *
 * Decoding takes either framing whatever this format writes; a Confluent record needs a registry to resolve
 * its schema id. Records of an older schema version read as the current classes, new fields at their defaults.
 * Thread-safe.
 */
public final class WireFormat implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The first byte of a record in the Confluent wire format. */
  public static final byte CONFLUENT_MAGIC = 0;

  /** Writes single-object encoding; reads both framings, but has no registry for Confluent records. */
  public static final WireFormat SINGLE_OBJECT = new WireFormat(null);

  private final SchemaRegistry registry;
  /** Per schema, the id it has under each topic's subject (ids never change: kept for the process's life). */
  private transient volatile Map<Schema, Map<String, Integer>> ids;
  /** Per writer schema id, a reader of it into each type. */
  private transient volatile Map<Integer, Map<Class<?>, SpecificDatumReader<?>>> readers;

  private static final Map<Class<?>, BinaryMessageDecoder<?>> DECODERS = new ConcurrentHashMap<>();
  private static final Map<Class<?>, BinaryMessageEncoder<?>> ENCODERS = new ConcurrentHashMap<>();

  /** {@code registry} null: single-object encoding. */
  public WireFormat(SchemaRegistry registry) {
    this.registry = registry;
  }

  /** The Confluent wire format with the registry the properties name ({@link SchemaRegistry#URL}), else single-object. */
  public static WireFormat of(Properties props) {
    SchemaRegistry r = SchemaRegistry.of(props);
    return r == null ? SINGLE_OBJECT : new WireFormat(r);
  }

  /** The registry; null for single-object encoding. */
  public SchemaRegistry registry() {
    return registry;
  }

  /** A record that is not a datum of the asked-for type in either framing. */
  public static final class NotDecodable extends IOException {
    private static final long serialVersionUID = 1L;
    private final boolean framing;

    NotDecodable(String message, boolean framing, Throwable cause) {
      super(message, cause);
      this.framing = framing;
    }

    /** True if the record is in neither framing (rather than a framed record whose datum or schema is wrong). */
    public boolean framing() {
      return framing;
    }
  }

  /** Registers the schema of a topic's values (Confluent), so that a refusal shows before anything is written. */
  public void register(String topic, Schema schema) {
    if (registry != null) {
      registry.register(SchemaRegistry.subject(topic), schema);
    }
  }

  /**
   * A record's value for {@code topic}. Confluent: registers the record's schema under {@code <topic>-value}
   * the first time (throws {@link SchemaRegistry.Unavailable} or {@link SchemaRegistry.Refused}).
   */
  public byte[] encode(SpecificRecord record, String topic) {
    Schema schema = record.getSchema();
    try {
      if (registry == null) {
        ByteBuffer b = encoder(record.getClass(), schema).encode(record);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
      }
      int id = id(topic, schema);
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      out.write(CONFLUENT_MAGIC);
      out.write(id >>> 24);
      out.write(id >>> 16);
      out.write(id >>> 8);
      out.write(id);
      BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
      new SpecificDatumWriter<SpecificRecord>(schema).write(record, e);
      e.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The record in {@code bytes} as a {@code type}, whichever framing and schema version wrote it. Throws
   * {@link NotDecodable} if it is not one, {@link SchemaRegistry.Unavailable} if the registry that would
   * resolve its schema id cannot be reached, and {@link SchemaRegistry.Refused} if it refuses the credentials
   * (the record itself may be fine in both cases).
   */
  public <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type) throws NotDecodable {
    if (bytes == null || bytes.length == 0) {
      throw new NotDecodable("an empty record", true, null);
    }
    if (bytes.length >= 2 && bytes[0] == (byte) 0xC3 && bytes[1] == 0x01) {
      try {
        return decoder(type).decode(ByteBuffer.wrap(bytes));
      } catch (IOException | RuntimeException e) {
        throw new NotDecodable("not a " + type.getSimpleName() + ": " + e.getMessage(), false, e);
      }
    }
    if (bytes[0] == CONFLUENT_MAGIC && bytes.length >= 5) {
      int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
      if (registry == null) {
        throw new NotDecodable("in the Confluent wire format (schema id " + id + "), and no schema registry is given"
            + " to resolve it", false, null);
      }
      SpecificDatumReader<T> reader;
      try {
        reader = reader(id, type);
      } catch (SchemaRegistry.Refused e) {
        if (e.status() == 401 || e.status() == 403) {
          throw e; // the credentials, not the record: every record would fail the same way
        }
        throw new NotDecodable(e.getMessage(), false, e);
      }
      try {
        BinaryDecoder d = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
        T t = reader.read(null, d);
        if (!d.isEnd()) {
          throw new IOException((bytes.length - 5) + " bytes, of which the datum ends before the last");
        }
        return t;
      } catch (IOException | RuntimeException e) {
        throw new NotDecodable("not a " + type.getSimpleName() + " (schema id " + id + ", "
            + reader.getSchema().getFullName() + "): " + e.getMessage(), false, e);
      }
    }
    throw new NotDecodable("neither Avro single-object encoding (C3 01 ...) nor the Confluent wire format"
        + " (00 and a schema id): starts " + hex(bytes), true, null);
  }

  /** The id of {@code schema} under {@code topic}'s subject, registered the first time. */
  private int id(String topic, Schema schema) {
    Map<Schema, Map<String, Integer>> known = ids;
    if (known == null) {
      known = ids = new ConcurrentHashMap<>();
    }
    Map<String, Integer> byTopic = known.computeIfAbsent(schema, s -> new ConcurrentHashMap<>());
    Integer id = byTopic.get(topic);
    if (id == null) {
      id = registry.register(SchemaRegistry.subject(topic), schema);
      byTopic.put(topic, id);
    }
    return id;
  }

  /** A reader from the schema with this id to {@code type}'s (the writer's schema fetched the first time). */
  @SuppressWarnings("unchecked")
  private <T> SpecificDatumReader<T> reader(int id, Class<T> type) {
    Map<Integer, Map<Class<?>, SpecificDatumReader<?>>> known = readers;
    if (known == null) {
      known = readers = new ConcurrentHashMap<>();
    }
    Map<Class<?>, SpecificDatumReader<?>> byType = known.computeIfAbsent(id, i -> new ConcurrentHashMap<>());
    SpecificDatumReader<?> r = byType.get(type);
    if (r == null) {
      r = new SpecificDatumReader<T>(registry.schema(id), SpecificData.get().getSchema(type));
      byType.put(type, r);
    }
    return (SpecificDatumReader<T>) r;
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(4, b.length); i++) {
      s.append(i == 0 ? "" : " ").append(String.format("%02X", b[i]));
    }
    return s + (b.length > 4 ? " ..." : "");
  }

  @SuppressWarnings("unchecked")
  private static <T> BinaryMessageEncoder<T> encoder(Class<?> type, Schema schema) {
    return (BinaryMessageEncoder<T>) ENCODERS.computeIfAbsent(type, t -> new BinaryMessageEncoder<>(SpecificData.get(), schema));
  }

  /** A single-object decoder of {@code type} that knows every shipped version of its schema (schemas/v1). */
  @SuppressWarnings("unchecked")
  private static <T> BinaryMessageDecoder<T> decoder(Class<T> type) {
    return (BinaryMessageDecoder<T>) DECODERS.computeIfAbsent(type, t -> {
      BinaryMessageDecoder<T> d = new BinaryMessageDecoder<>(SpecificData.get(), SpecificData.get().getSchema(t));
      try (InputStream in = WireFormat.class.getResourceAsStream("/schemas/v1/" + t.getSimpleName() + ".avsc")) {
        if (in != null) {
          d.addSchema(new Schema.Parser().parse(in));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return d;
    });
  }

  @Override
  public String toString() {
    return registry == null ? "Avro single-object encoding" : "Confluent wire format, schema registry " + registry.url();
  }
}
