package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fmselect.avro.MembershipEvent;
import io.fmselect.avro.SubsetChange;
import io.fmselect.io.NpyReader;
import io.fmselect.io.NpyWriter;
import io.fmselect.kafka.InJvmKafka;
import io.fmselect.wire.RegistryProcess;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.WireFormat;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The subset topic that {@code run --schema-registry} wrote (Confluent wire format), read by tools fmselect did
 * not write, through a real schema registry (Apicurio, Confluent-compatible API): a Flink SQL query over the Kafka
 * table connector with {@code 'format' = 'avro-confluent'}, and confluent-kafka's Python client with its Avro
 * deserializer ({@code clients/python/examples/subset_confluent_avro.py}). Each must give back every record's
 * fields as fmselect's own reader decodes them.
 */
class ConfluentConsumersITCase {
  private static final String INPUT = "samples-confluent";
  private static final String TOPIC = "subset-confluent";
  /** The system property (set by the build) naming Flink's SQL format jar for 'avro-confluent'. */
  private static final String FORMAT_JAR = "fmselect.test.sql-avro-confluent.jar";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The test class path's jars that stay off the query's: Avro, flink-avro, and the app's jar. */
  private static final Pattern OFF_SQL_CLASS_PATH = Pattern.compile("(avro|flink-avro)-[0-9][^/]*\\.jar|fmselect\\.jar");

  static InJvmKafka kafka;
  static RegistryProcess registry;
  static List<SubsetChange> written;

  @TempDir static Path data;
  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    kafka = InJvmKafka.start();
    registry = RegistryProcess.shared();
    written = runTheJob(data);
  }

  @AfterAll
  static void stop() throws Exception {
    kafka.close();
  }

  /**
   * The job as a user runs it with a registry: 300 generated samples (3 classes) produced and selected
   * ({@code run --bounded --schema-registry}); returns the subset topic's records as fmselect's own reader
   * (WireFormat) decodes them.
   */
  static List<SubsetChange> runTheJob(Path dir) throws Exception {
    InProcess.Run g = InProcess.run("generate", "--out-dir", dir.toString(), "--rows", "300", "--classes", "3", "--dims",
        "8", "--names", "dinov2", "--seed", "11");
    assertEquals(0, g.code(), g.err());
    kafka.createTopic(INPUT, 2);
    // every sample over 3 s, then every one again within one window, each class renamed (0 to 1, 1 to 2, 2 to 0):
    // the members stay selected in their class's new name
    long[] labels = NpyReader.readLabels(dir.resolve("labels.npy"));
    long[] relabeled = labels.clone();
    for (int i = 0; i < relabeled.length; i++) {
      relabeled[i] = (labels[i] + 1) % 3;
    }
    NpyWriter.writeInt64(dir.resolve("relabeled.npy"), relabeled);
    for (String[] batch : List.of(new String[] {"labels.npy", "1700000000000", "10"},
        new String[] {"relabeled.npy", "1700000005000", "1"})) {
      InProcess.Run p = InProcess.run("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", INPUT,
          "--labels", dir.resolve(batch[0]).toString(), "--features", "dinov2=" + dir.resolve("dinov2.npy"),
          "--start-time", batch[1], "--interval-ms", batch[2], "--schema-registry", registry.url());
      assertEquals(0, p.code(), p.err());
    }
    InProcess.Run r = InProcess.run("run", "--bootstrap-servers", kafka.bootstrapServers(), "--fm", "dinov2=8",
        "--input-topic", INPUT, "--output-topic", TOPIC, "--rejects-topic", TOPIC + "-rejects", "--window", "1s",
        "--bounded", "--publish", "every-window", "--no-web-ui", "--group-id", "g-" + TOPIC, "-D",
        "execution.checkpointing.interval=500ms",
        "--schema-registry", registry.url());
    assertEquals(0, r.code(), r.out() + r.err());
    WireFormat wire = WireFormat.of(registry.with(new Properties()));
    List<SubsetChange> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> c : kafka.readCommitted(TOPIC)) {
      assertEquals(0, c.value()[0], "the Confluent wire format");
      SubsetChange change = wire.decode(c.value(), SubsetChange.class);
      assertEquals(change.getId(), c.key());
      out.add(change);
    }
    return out;
  }

  @Test
  void theJobWroteEveryKindOfEventInEveryClass() {
    // what the readers below are checked on: every event, a previous class or none, every class
    assertEquals(Set.of(MembershipEvent.values()), written.stream().map(SubsetChange::getEvent).collect(Collectors.toSet()),
        written.toString());
    assertEquals(Set.of(true, false), written.stream().map(c -> c.getPreviousLabel() == null).collect(Collectors.toSet()));
    assertEquals(Set.of(0L, 1L, 2L), written.stream().map(SubsetChange::getLabel).collect(Collectors.toSet()));
  }

  /** A record as one line of text, its fields in the schema's order: what both readers must print. */
  static String line(SubsetChange c) {
    return String.join("\t", c.getId(), Long.toString(c.getLabel()), Boolean.toString(c.getSelected()),
        Double.toString(c.getScore()), Double.toString(c.getRam()), Double.toString(c.getApl()), Integer.toString(c.getRank()),
        new TreeMap<>(c.getPseudoLabels()).toString(), Integer.toString(c.getClassSize()), Integer.toString(c.getBudget()),
        c.getMethod(), utc(c.getWindowEnd()), Long.toString(c.getVersion()), String.valueOf(c.getEvent()),
        String.valueOf(c.getPreviousLabel()), new TreeMap<>(c.getMetadata()).toString());
  }

  /** A timestamp-millis as Flink SQL's TIMESTAMP(3) holds it: the UTC date and time (as FlinkSqlQuery prints it). */
  static String utc(Instant t) {
    return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
  }

  static List<String> sorted(List<String> lines) {
    return lines.stream().sorted().toList();
  }

  /** The table over the subset topic, as the README gives it. */
  static String ddl(String topic) throws IOException {
    return ddl(topic, kafka.bootstrapServers(), registry.url());
  }

  /** The table over {@code topic} of brokers {@code servers} with the registry at {@code url}. */
  static String ddl(String topic, String servers, String url) throws IOException {
    return """
        CREATE TABLE subset_changes (
          id STRING NOT NULL,
          label BIGINT NOT NULL,
          selected BOOLEAN NOT NULL,
          score DOUBLE NOT NULL,
          ram DOUBLE NOT NULL,
          apl DOUBLE NOT NULL,
          `rank` INT NOT NULL,
          pseudoLabels MAP<STRING NOT NULL, BIGINT NOT NULL> NOT NULL,
          classSize INT NOT NULL,
          budget INT NOT NULL,
          `method` STRING NOT NULL,
          windowEnd TIMESTAMP(3) NOT NULL,
          version BIGINT NOT NULL,
          event STRING,
          previousLabel BIGINT,
          `metadata` MAP<STRING NOT NULL, STRING NOT NULL> NOT NULL
        ) WITH (
          'connector' = 'kafka',
          'topic' = '%s',
          'properties.bootstrap.servers' = '%s',
          'scan.startup.mode' = 'earliest-offset',
          'scan.bounded.mode' = 'latest-offset',
          'format' = 'avro-confluent',
          'avro-confluent.url' = '%s',
          'avro-confluent.schema' = '%s'
        );
        """.formatted(topic, servers, url, readerSchema().replace("'", "''"));
  }

  /**
   * The schema Flink reads the records into: the subset topic's (schemas/SubsetChange.avsc) without its docs, on
   * one line. Flink needs it given: the schema it derives from the columns has no enum, and Avro does not resolve
   * the registered enum to a string; the columns must then be exactly the types Flink derives from it (NOT NULL
   * but for the unions with null).
   */
  static String readerSchema() throws IOException {
    JsonNode schema = JSON.readTree(Path.of("schemas", "SubsetChange.avsc").toFile());
    withoutDocs(schema);
    return JSON.writeValueAsString(schema);
  }

  private static void withoutDocs(JsonNode n) {
    if (n instanceof ObjectNode o) {
      o.remove("doc");
    }
    n.forEach(ConfluentConsumersITCase::withoutDocs);
  }

  @Test
  void flinkSqlReadsEveryRecordThroughTheRegistry() throws Exception {
    Path sql = dir.resolve("subset.sql");
    Files.writeString(sql, ddl(TOPIC) + """
        SELECT * FROM subset_changes;
        SELECT id, label, windowEnd, pseudoLabels['dinov2'] FROM subset_changes WHERE event = 'LEFT';
        """);
    // the README's table is this one, for its local setup
    assertTrue(Files.readString(Path.of("README.md")).contains(ddl("subset", "127.0.0.1:9092",
        "http://127.0.0.1:8080/apis/ccompat/v7")), "README.md gives the tested DDL (schemas/SubsetChange.avsc changed?)");
    List<List<String>> results = queries(flinkSql(sql));
    assertEquals(2, results.size(), results.toString());
    assertEquals(sorted(written.stream().map(ConfluentConsumersITCase::line).toList()), sorted(results.get(0)));
    // a projection, a filter on the enum (a string in SQL) and a map's value
    List<String> left = written.stream().filter(c -> c.getEvent() == MembershipEvent.LEFT)
        .map(c -> String.join("\t", c.getId(), Long.toString(c.getLabel()), utc(c.getWindowEnd()),
            String.valueOf(c.getPseudoLabels().get("dinov2")))).toList();
    assertTrue(!left.isEmpty());
    assertEquals(sorted(left), sorted(results.get(1)));
  }

  /** The rows of each query, as FlinkSqlQuery printed them. */
  static List<List<String>> queries(List<String> lines) {
    List<List<String>> out = new ArrayList<>();
    List<String> rows = new ArrayList<>();
    for (String l : lines) {
      if (l.equals(FlinkSqlQuery.END)) {
        out.add(rows);
        rows = new ArrayList<>();
      } else {
        rows.add(l);
      }
    }
    return out;
  }

  @Test
  void confluentKafkasPythonClientDecodesEveryRecordThroughTheRegistry() throws Exception {
    List<String> out = python(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--topic", TOPIC,
        "--schema-registry", registry.url()));
    int schemaId = WireFormat.of(registry.with(new Properties())).registry()
        .register(SchemaRegistry.subject(TOPIC), SubsetChange.getClassSchema());
    List<String> rows = new ArrayList<>();
    for (String l : out) {
      JsonNode r = JSON.readTree(l);
      assertEquals(r.get("id").asText(), r.get("key").asText(), "the key is the id");
      assertEquals(schemaId, r.get("schemaId").asInt(), "the id the registry has for the subset topic's schema");
      rows.add(line(r));
    }
    assertEquals(sorted(written.stream().map(ConfluentConsumersITCase::line).toList()), sorted(rows));
  }

  /** A record Python printed (JSON), as {@link #line(SubsetChange)} writes one. */
  static String line(JsonNode r) {
    return String.join("\t", r.get("id").asText(), Long.toString(r.get("label").asLong()),
        Boolean.toString(r.get("selected").asBoolean()), Double.toString(r.get("score").asDouble()),
        Double.toString(r.get("ram").asDouble()), Double.toString(r.get("apl").asDouble()), Integer.toString(r.get("rank").asInt()),
        map(r.get("pseudoLabels"), JsonNode::asLong).toString(), Integer.toString(r.get("classSize").asInt()),
        Integer.toString(r.get("budget").asInt()), r.get("method").asText(),
        utc(Instant.ofEpochMilli(r.get("windowEnd").asLong())), Long.toString(r.get("version").asLong()),
        r.get("event").isNull() ? "null" : r.get("event").asText(),
        r.get("previousLabel").isNull() ? "null" : Long.toString(r.get("previousLabel").asLong()),
        map(r.get("metadata"), JsonNode::asText).toString());
  }

  static <V> TreeMap<String, V> map(JsonNode o, java.util.function.Function<JsonNode, V> value) {
    TreeMap<String, V> m = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      m.put(e.getKey(), value.apply(e.getValue()));
    }
    return m;
  }

  /**
   * Runs a SQL file in a JVM of its own ({@link FlinkSqlQuery}), the way a cluster holds the format: Flink and
   * its Kafka connector, plus Flink's SQL jar for 'avro-confluent', which carries its own (relocated) Avro and
   * flink-avro; so the test's flink-avro and Avro stay off that class path. Returns the rows printed.
   */
  List<String> flinkSql(Path sql) throws Exception {
    String formatJar = System.getProperty(FORMAT_JAR);
    assertNotNull(formatJar, FORMAT_JAR + " is set by the build (fmselect-app/pom.xml, failsafe)");
    assertTrue(Files.isRegularFile(Path.of(formatJar)), formatJar);
    // fmselect.jar: its manifest puts target/lib (Avro and flink-avro among it) on any class path it is on
    String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !OFF_SQL_CLASS_PATH.matcher(Path.of(e).getFileName().toString()).matches())
        .collect(Collectors.joining(File.pathSeparator)) + File.pathSeparator + formatJar;
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
        "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "-Djava.io.tmpdir=" + dir, "-Dlog4j2.configurationFile="
            + Path.of("fmselect-app", "target", "test-classes", "log4j2-test.xml").toAbsolutePath(),
        "-cp", cp, FlinkSqlQuery.class.getName(), sql.toString());
    return run(cmd, dir.resolve("sql"));
  }

  /** Runs the example with the system's python3, after clients/python/install-deps.sh. */
  List<String> python(List<String> args) throws Exception {
    Path root = Path.of("").toAbsolutePath();
    run(List.of("bash", root.resolve("clients/python/install-deps.sh").toString()), dir.resolve("deps"));
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-B",
        root.resolve("clients/python/examples/subset_confluent_avro.py").toString()));
    cmd.addAll(args);
    return run(cmd, dir.resolve("py"));
  }

  /** A command's stdout lines; fails with its stderr if it does not exit 0 within 120 s. */
  static List<String> run(List<String> cmd, Path files) throws Exception {
    Path out = Path.of(files + ".out");
    Path err = Path.of(files + ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + ": still running after 120 s");
    } finally {
      p.destroyForcibly().waitFor();
    }
    assertEquals(0, p.exitValue(), cmd.get(cmd.size() - 1) + ": " + Files.readString(err, StandardCharsets.UTF_8));
    return Files.readAllLines(out, StandardCharsets.UTF_8);
  }
}
