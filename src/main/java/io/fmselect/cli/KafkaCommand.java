package io.fmselect.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
      "Runs a local single-node Kafka broker (KRaft) in this process. Prints 'ready HOST:PORT' on stdout",
      "once it accepts clients; stops cleanly on Ctrl-C or SIGTERM. The data directory is formatted on",
      "first use and kept: topics survive a restart. Never point two brokers at one data directory."
    })
public final class KafkaCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092", description = "client port (default 9092)")
  int port;

  @Option(names = "--controller-port", paramLabel = "PORT",
      description = "KRaft controller port (default: --port + 1)")
  Integer controllerPort;

  @Option(names = "--data-dir", paramLabel = "DIR", required = true, description = "where the broker keeps its logs")
  Path dataDir;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "address to bind (default 127.0.0.1)")
  String host;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The broker settings for a single combined node. */
  static Properties brokerProperties(String host, int port, int controllerPort, Path logDir) {
    Properties p = new Properties();
    p.putAll(Map.ofEntries(
        Map.entry("process.roles", "broker,controller"),
        Map.entry("node.id", "1"),
        Map.entry("controller.quorum.bootstrap.servers", host + ":" + controllerPort),
        Map.entry("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort),
        Map.entry("advertised.listeners", "PLAINTEXT://" + host + ":" + port),
        Map.entry("controller.listener.names", "CONTROLLER"),
        Map.entry("inter.broker.listener.name", "PLAINTEXT"),
        Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
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
    KafkaRaftServer server = start(host, port, cport, dataDir);
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

  /** Formats the data directory on first use, starts the broker and returns once it accepts clients. */
  static KafkaRaftServer start(String host, int port, int cport, Path dataDir) throws IOException, InterruptedException {
    Path logDir = dataDir.resolve("logs");
    Files.createDirectories(logDir);
    Properties props = brokerProperties(host, port, cport, logDir);
    Path conf = dataDir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(conf)) {
      props.store(out, "written by fmselect kafka");
    }
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(conf);
    }
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    server.startup();
    awaitReady(host + ":" + port);
    return server;
  }

  private static void format(Path conf) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc;
    try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", conf.toString(),
          "--standalone"}, ps);
    }
    if (rc != 0) {
      throw new UserError("cannot format the Kafka data directory: " + buf.toString(StandardCharsets.UTF_8).strip().replace('\n', ' '));
    }
  }

  private static void awaitReady(String bootstrap) throws InterruptedException {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try (Admin admin = Admin.create(p)) {
      while (true) {
        try {
          if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("broker did not become ready in 120 s", e);
          }
        }
        Thread.sleep(100);
      }
    }
  }
}
