package io.fmselect.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real standalone Flink session cluster (one JobManager and one TaskManager process, RocksDB,
 * checkpoints to files) started from the Flink jars Maven copied to {@code target/lib}, the way a
 * Flink distribution's {@code lib/} holds them: Flink, RocksDB and logging only, so a job jar must
 * bring everything else itself. Talks to it through the REST API, as {@code flink run} does.
 *
 * <p>Its JVMs get what a Flink distribution's scripts give them and nothing more: the Java 17 options of
 * the distribution's config.yaml ({@code env.java.opts.all}), the TaskManager's memory flags from
 * {@code BashJavaUtils}, {@code -Dlog.file} and the log4j configuration; plus whatever a test adds to
 * {@code env.java.opts.all} (such as {@code --add-modules jdk.incubator.vector}). Only
 * {@code java.io.tmpdir} is moved, under the test's folder.
 */
final class StandaloneFlink implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Jars of target/lib that a Flink distribution does not have: the job jar must carry what it needs. */
  private static final List<String> NOT_IN_FLINK = List.of("kafka", "connect-", "avro", "flink-avro",
      "flink-connector-kafka", "picocli", "scala-", "jackson-", "jersey", "jetty", "hk2", "jakarta", "zstd-jni",
      "snakeyaml-2");
  /** DJL with both engines and their natives, as the README has them copied into a cluster's lib/. */
  private static final List<String> DJL = List.of("api-", "onnxruntime", "pytorch-", "gson", "jna");

  /**
   * {@code env.java.opts.all} of the config.yaml in Flink 2.x distributions ("required for Java 17
   * support"): what {@code bin/jobmanager.sh} and {@code bin/taskmanager.sh} pass to every JVM of a stock
   * cluster.
   */
  static final List<String> FLINK_JAVA17_OPTS = List.of("--add-exports=java.base/sun.net.util=ALL-UNNAMED",
      "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED", "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
      "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.text=ALL-UNNAMED",
      "--add-opens=java.base/java.time=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");
  /** What fmselect's README asks a cluster to add to {@code env.java.opts.all}. */
  static final List<String> VECTOR_MODULE = List.of("--add-modules", "jdk.incubator.vector");

  private final Path dir;
  private final int restPort;
  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  private StandaloneFlink(Path dir, int restPort) {
    this.dir = dir;
    this.restPort = restPort;
  }

  /** A stock cluster: no JVM options beyond a Flink distribution's. */
  static StandaloneFlink start(Path dir) throws Exception {
    return start(dir, false, List.of());
  }

  /**
   * @param djlInLib DJL in the cluster's class path, loaded parent-first (what TorchScript FMs need);
   *     otherwise the job jar brings its own
   * @param javaOpts added to {@code env.java.opts.all} (after the distribution's Java 17 options)
   */
  static StandaloneFlink start(Path dir, boolean djlInLib, List<String> javaOpts) throws Exception {
    List<String> opts = new ArrayList<>(FLINK_JAVA17_OPTS);
    opts.addAll(javaOpts);
    int rest = freePort();
    StandaloneFlink f = new StandaloneFlink(dir, rest);
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.createDirectories(dir.resolve("tmp"));
    Files.writeString(conf.resolve("config.yaml"), String.join("\n",
        "jobmanager.rpc.address: 127.0.0.1",
        "jobmanager.bind-host: 127.0.0.1",
        "jobmanager.rpc.port: " + freePort(),
        "jobmanager.memory.process.size: 1024m",
        "taskmanager.host: 127.0.0.1",
        "taskmanager.bind-host: 127.0.0.1",
        "taskmanager.memory.process.size: 1536m",
        "taskmanager.numberOfTaskSlots: 2",
        "rest.address: 127.0.0.1",
        "rest.bind-address: 127.0.0.1",
        "rest.port: " + rest,
        "state.backend.type: rocksdb",
        "execution.checkpointing.incremental: true",
        "execution.checkpointing.dir: " + dir.resolve("checkpoints").toUri(),
        "restart-strategy.type: exponential-delay",
        "io.tmp.dirs: " + dir.resolve("tmp"),
        "web.tmpdir: " + dir.resolve("tmp"),
        djlInLib ? "classloader.parent-first-patterns.additional: ai.djl.;ai.onnxruntime." : "",
        // what Flink's scripts would read and pass on (this class passes the same list itself)
        "env.java.opts.all: " + String.join(" ", opts),
        ""));
    // the scripts' log4j setup: WARN and above to the console, which goes to NAME.log
    Files.writeString(conf.resolve("log4j-console.properties"), String.join("\n",
        "rootLogger.level = WARN",
        "rootLogger.appenderRef.console.ref = console",
        "appender.console.type = Console",
        "appender.console.name = console",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c - %m%n",
        ""));
    String cp;
    try (Stream<Path> jars = Files.list(Path.of("target/lib"))) {
      List<String> absent = new ArrayList<>(NOT_IN_FLINK);
      if (!djlInLib) {
        absent.addAll(DJL);
      }
      cp = jars.filter(j -> absent.stream().noneMatch(n -> j.getFileName().toString().startsWith(n)))
          .map(j -> j.toAbsolutePath().toString()).sorted().collect(Collectors.joining(":"));
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> jvm = new ArrayList<>(List.of(java, "-Djava.io.tmpdir=" + dir.resolve("tmp")));
    jvm.addAll(opts);
    jvm.addAll(List.of("-Dlog4j.configurationFile=" + conf.resolve("log4j-console.properties").toUri(), "-cp", cp));
    List<String> jm = new ArrayList<>(jvm);
    jm.add(1, "-Xmx448m");
    jm.addAll(List.of("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", "--configDir",
        conf.toString()));
    f.launch(jm, "jobmanager");
    // the TaskManager's memory flags, as Flink's own scripts get them
    Process p = new ProcessBuilder(java, "-cp", cp, "org.apache.flink.runtime.util.bash.BashJavaUtils",
        "GET_TM_RESOURCE_PARAMS", "--configDir", conf.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    List<String> params = out.lines().filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
        .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length())).collect(Collectors.toList());
    if (params.size() < 2) {
      throw new IllegalStateException("no TaskManager parameters: " + out);
    }
    List<String> tm = new ArrayList<>(jvm);
    tm.addAll(1, List.of(params.get(0).trim().split("\\s+")));
    tm.addAll(List.of("org.apache.flink.runtime.taskexecutor.TaskManagerRunner", "--configDir", conf.toString()));
    tm.addAll(List.of(params.get(1).trim().split("\\s+")));
    f.launch(tm, "taskmanager");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      try {
        if (f.get("/taskmanagers").path("taskmanagers").size() > 0) {
          return f;
        }
      } catch (IOException notYet) {
        // REST not up yet
      }
      Thread.sleep(500);
    }
    f.close();
    throw new IllegalStateException("cluster did not start; logs in " + dir);
  }

  private void launch(List<String> cmd, String name) throws IOException {
    processes.add(new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile()).start());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + restPort + path);
  }

  /** Uploads a job jar ({@code POST /jars/upload}); returns its id. */
  String upload(Path jar) throws IOException, InterruptedException {
    String boundary = UUID.randomUUID().toString();
    byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
        + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    HttpRequest req = HttpRequest.newBuilder(uri("/jars/upload"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
            HttpRequest.BodyPublishers.ofFile(jar), HttpRequest.BodyPublishers.ofByteArray(tail)))
        .build();
    JsonNode r = JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
    String file = r.path("filename").asText();
    if (file.isEmpty()) {
      throw new IllegalStateException("upload failed: " + r);
    }
    return Path.of(file).getFileName().toString();
  }

  /** Runs an uploaded jar ({@code POST /jars/ID/run}) with program arguments; returns the REST answer. */
  JsonNode run(String jarId, int parallelism, List<String> args) throws IOException, InterruptedException {
    var body = JSON.createObjectNode();
    body.put("parallelism", parallelism);
    body.putPOJO("programArgsList", args);
    HttpRequest req = HttpRequest.newBuilder(uri("/jars/" + jarId + "/run")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
    return JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
  }

  /** Waits until the job leaves the running states; returns its final state. */
  String await(String jobId, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String state = "?";
    while (System.nanoTime() < deadline) {
      state = get("/jobs/" + jobId).path("state").asText();
      if (List.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
        return state;
      }
      Thread.sleep(500);
    }
    return state;
  }

  String log(String name) {
    try {
      return Files.readString(dir.resolve(name + ".log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
