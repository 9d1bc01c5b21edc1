package io.fmselect.wire;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A real schema registry for tests: Apicurio Registry's ready-built app (unpacked by the build into the
 * repository's {@code target/registry}), started as a process on a free port with in-memory storage, and
 * stopped when closed (or when the test JVM exits). {@link #shared()} starts one per test JVM; tests keep
 * apart by topic names, and a test that stops its registry starts its own.
 */
public final class RegistryProcess implements AutoCloseable {
  private static RegistryProcess shared;

  private final int port;
  private final Path dataDir;
  private final Path log;
  private Process process;

  private RegistryProcess(int port, Path dataDir, Path log) {
    this.port = port;
    this.dataDir = dataDir;
    this.log = log;
  }

  /** The registry of this test JVM, started on first use. */
  public static synchronized RegistryProcess shared() throws Exception {
    if (shared == null || !shared.process.isAlive()) {
      shared = start();
      RegistryProcess r = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(r::close));
    }
    return shared;
  }

  /** A registry of its own, on a free port, in memory; ready (its API answers) when this returns. */
  public static RegistryProcess start() throws Exception {
    return start(null);
  }

  /**
   * A registry of its own on a free port that keeps its schemas in {@code dataDir} (an H2 file database), so
   * that it may be {@link #stop stopped} and {@link #restart restarted} with its ids intact; null: in memory.
   */
  public static RegistryProcess start(Path dataDir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RegistryProcess r = new RegistryProcess(port, dataDir, Files.createTempFile("registry-", ".log"));
    r.restart();
    return r;
  }

  /** Starts the process (again, on the same port and data); returns once its API answers. */
  public synchronized void restart() throws Exception {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.log.level=WARN"));
    if (dataDir != null) {
      cmd.add("-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("registry"));
    }
    cmd.addAll(List.of("-jar", runnerJar().toString()));
    process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    HttpClient http = HttpClient.newHttpClient();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the schema registry exited (" + process.exitValue() + "): " + Files.readString(log));
      }
      try {
        HttpResponse<String> a = http.send(HttpRequest.newBuilder(URI.create(url() + "/subjects"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (a.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException("the schema registry did not answer within 90 s: " + Files.readString(log));
      }
      Thread.sleep(200);
    }
  }

  /** Stops the process (an outage: its port refuses connections until {@link #restart}). */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The Confluent-compatible API's base URL: what {@code --schema-registry} takes. */
  public String url() {
    return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
  }

  public int port() {
    return port;
  }

  /** Kafka client properties plus this registry's URL. */
  public Properties with(Properties kafka) {
    Properties p = new Properties();
    p.putAll(kafka);
    p.put(SchemaRegistry.URL, url());
    return p;
  }

  /** The runner jar under the repository's target/registry. */
  public static Path runnerJar() throws IOException {
    Path p = Paths.get("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("target/registry"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("target/registry not found above " + Paths.get("").toAbsolutePath()
          + ": the build unpacks the schema registry there (mvn -pl fmselect-wire generate-resources)");
    }
    Path dir = p.resolve("target/registry");
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().endsWith("-runner.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no *-runner.jar in " + dir));
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // a temporary file
    }
  }
}
