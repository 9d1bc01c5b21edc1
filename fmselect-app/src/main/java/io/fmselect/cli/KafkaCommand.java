package io.fmselect.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fmselect kafka}: a single-node Kafka broker (KRaft, broker and controller in one process)
 * for local use and tests. The data directory is formatted on first use and reused afterwards.
 */
@Command(
    name = "kafka",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs a local single-node Kafka broker (KRaft) in this process.",
      "Prints 'ready HOST:PORT' on stdout once it accepts clients; stops cleanly on Ctrl-C or SIGTERM. The data"
          + " directory is formatted on first use and kept: topics survive a restart. Never point two brokers at one"
          + " data directory.",
      "Secured: --config FILE overlays server.properties (e.g. CLIENT:SASL_SSL in listener.security.protocol.map,"
          + " ssl.keystore.*, sasl.enabled.mechanisms) and --add-scram creates SCRAM users when the directory is"
          + " formatted."
    })
public final class KafkaCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092", description = "client port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--controller-port", paramLabel = "PORT",
      description = "KRaft controller port (default: --port + 1)")
  Integer controllerPort;

  @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "where the broker keeps its logs")
  Path dataDir;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--config", paramLabel = "FILE",
      description = "server.properties overlay, applied over fmselect's settings (security: listener"
          + " CLIENT's protocol, ssl.*, sasl.*); the listeners' addresses stay fmselect's (--host, --port)")
  Path config;

  @Option(names = "--add-scram", paramLabel = "MECHANISM=[name=USER,password=SECRET]",
      description = "a SCRAM user, created when the data directory is formatted (first use); repeat. In an"
          + " @FILE, the password stays off the command line. For example:"
          + " 'SCRAM-SHA-512=[name=alice,password=secret]'")
  List<String> scram;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Keys of the broker settings that --config may not set: fmselect's flags set them. */
  static final Set<String> FIXED = Set.of("process.roles", "node.id", "listeners", "advertised.listeners",
      "controller.quorum.bootstrap.servers", "controller.quorum.voters", "controller.listener.names", "log.dirs",
      "log.dir");

  /**
   * The broker settings for a single combined node: the client listener CLIENT (PLAINTEXT unless an overlay
   * maps it to another protocol) and the KRaft listener CONTROLLER.
   */
  static Properties brokerProperties(String host, int port, int controllerPort, Path logDir) {
    Properties p = new Properties();
    p.putAll(Map.ofEntries(
        Map.entry("process.roles", "broker,controller"),
        Map.entry("node.id", "1"),
        Map.entry("controller.quorum.bootstrap.servers", host + ":" + controllerPort),
        Map.entry("listeners", "CLIENT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort),
        Map.entry("advertised.listeners", "CLIENT://" + host + ":" + port),
        Map.entry("controller.listener.names", "CONTROLLER"),
        Map.entry("inter.broker.listener.name", "CLIENT"),
        Map.entry("listener.security.protocol.map", "CLIENT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
        Map.entry("log.dirs", logDir.toAbsolutePath().toString()),
        Map.entry("num.partitions", "1"),
        // a single node: every internal topic at replication 1, or consumers wait and get nothing
        Map.entry("offsets.topic.replication.factor", "1"),
        Map.entry("transaction.state.log.replication.factor", "1"),
        Map.entry("transaction.state.log.min.isr", "1"),
        Map.entry("share.coordinator.state.topic.replication.factor", "1"),
        Map.entry("share.coordinator.state.topic.min.isr", "1"),
        Map.entry("group.initial.rebalance.delay.ms", "0"),
        Map.entry("auto.create.topics.enable", "true")));
    return p;
  }

  @Override
  public Integer call() throws Exception {
    int cport = controllerPort == null ? port + 1 : controllerPort;
    if (port < 1 || port > 65535 || cport < 1 || cport > 65535 || cport == port) {
      throw new UserError("--port and --controller-port must be distinct ports in 1..65535");
    }
    if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
      throw new UserError("--data-dir " + dataDir + " exists and is not a directory");
    }
    KafkaRaftServer server = start(host, port, cport, dataDir, overlay(config), scram == null ? List.of() : scram);
    Thread hook = new Thread(() -> {
      server.shutdown();
      server.awaitShutdown();
    }, "fmselect-kafka-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    spec.commandLine().getOut().println("ready " + host + ":" + port);
    spec.commandLine().getOut().flush();
    server.awaitShutdown();
    return 0;
  }

  /** The --config overlay (empty without one); one line if it cannot be read or sets what the flags set. */
  static Properties overlay(Path file) {
    Properties p = new Properties();
    if (file == null) {
      return p;
    }
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      throw new UserError("--config " + file + ": no such file");
    } catch (IOException | IllegalArgumentException e) {
      throw new UserError("--config " + file + ": cannot read (" + e.getMessage() + ")");
    }
    for (String key : p.stringPropertyNames()) {
      if (FIXED.contains(key)) {
        throw new UserError("--config " + file + ": " + key + " is fmselect's (--host, --port, --controller-port,"
            + " --data-dir set it)");
      }
    }
    return p;
  }

  /** Formats the data directory on first use, starts the broker and returns once it accepts clients. */
  static KafkaRaftServer start(String host, int port, int cport, Path dataDir) throws IOException, InterruptedException {
    return start(host, port, cport, dataDir, new Properties(), List.of());
  }

  /**
   * Formats the data directory on first use (with these SCRAM users), starts the broker with the overlay over
   * fmselect's settings and returns once it accepts clients.
   */
  static KafkaRaftServer start(String host, int port, int cport, Path dataDir, Properties overlay, List<String> scram)
      throws IOException, InterruptedException {
    Path logDir = dataDir.resolve("logs");
    Files.createDirectories(logDir);
    Properties props = brokerProperties(host, port, cport, logDir);
    props.putAll(overlay);
    Path conf = dataDir.resolve("server.properties");
    // the overlay may hold passwords (ssl.keystore.password, a listener's sasl.jaas.config): owner only
    ownerOnly(conf);
    try (OutputStream out = Files.newOutputStream(conf)) {
      props.store(out, "written by fmselect kafka");
    }
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(conf, scram);
    }
    KafkaConfig kafkaConfig;
    try {
      kafkaConfig = KafkaConfig.fromProps(props, false);
    } catch (org.apache.kafka.common.config.ConfigException e) {
      throw new UserError("broker settings: " + e.getMessage());
    }
    KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
    server.startup();
    // startup() returns once the controller has unfenced the broker and its acceptors run; the client
    // listener answering is then all there is to wait for (whatever its protocol: no client login here)
    awaitListening(host, port);
    return server;
  }

  /** Creates the file if absent, readable and writable by its owner only (where the file system says so). */
  private static void ownerOnly(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.createFile(file);
    }
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
  }

  private static void format(Path conf, List<String> scram) throws IOException {
    List<String> args = new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c", conf.toString(),
        "--standalone"));
    for (String s : scram) {
      args.add("--add-scram");
      args.add(s);
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc;
    try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      rc = StorageTool.execute(args.toArray(String[]::new), ps);
    } catch (RuntimeException e) { // a malformed --add-scram throws
      throw new UserError("cannot format the Kafka data directory: " + KafkaCheck.masked(String.valueOf(e.getMessage())));
    }
    if (rc != 0) {
      throw new UserError("cannot format the Kafka data directory: "
          + KafkaCheck.masked(buf.toString(StandardCharsets.UTF_8).strip().replace('\n', ' ')));
    }
  }

  private static void awaitListening(String host, int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 1000);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("broker not listening on " + host + ":" + port + " after 120 s", e);
        }
      }
      Thread.sleep(100);
    }
  }
}
