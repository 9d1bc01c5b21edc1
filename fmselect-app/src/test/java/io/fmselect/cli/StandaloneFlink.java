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
 * A real standalone Flink session cluster (one JobManager and one or more TaskManager processes, RocksDB,
 * checkpoints to files) started from the Flink jars Maven copied to {@code target/lib}, the way a
 * Flink distribution's {@code lib/} holds them: Flink, RocksDB and logging only, so a job jar must
 * bring everything else itself. Talks to it through the REST API, as {@code flink run} does.
 *
 * <p>Its JVMs get what a Flink distribution's scripts give them and nothing more: the Java 17 options of
 * the distribution's config.yaml ({@code env.java.opts.all}), the TaskManager's memory flags from
 * {@code BashJavaUtils}, {@code -Dlog.file} and the log4j configuration; plus whatever a test adds to
 * {@code env.java.opts.all} (such as {@code --add-modules jdk.incubator.vector}). Only
 * {@code java.io.tmpdir} is moved, under the test's folder. Every process is stopped by its PID in
 * {@link #close}, or by a JVM shutdown hook if the JVM exits first.
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
  /** The TaskManagers started, by their resource id (which is also their log's name). */
  private final java.util.Map<String, Process> taskManagers = new java.util.LinkedHashMap<>();
  private final HttpClient http = HttpClient.newHttpClient();
  /** How a TaskManager is started, less its resource id: the JVM, its flags and the memory settings. */
  private List<String> taskManagerCommand;
  /** Kills what is still running if the JVM exits before {@link #close} (a test killed, a crash). */
  private final Thread stopOnExit;

  private StandaloneFlink(Path dir, int restPort) {
    this.dir = dir;
    this.restPort = restPort;
    this.stopOnExit = new Thread(() -> {
      synchronized (processes) {
        processes.forEach(Process::destroyForcibly);
      }
    }, "stop-standalone-flink");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
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
    return start(dir, djlInLib, javaOpts, 1, 2, List.of());
  }

  /**
   * A cluster of TASK_MANAGERS TaskManagers (resource ids and log names {@code taskmanager},
   * {@code taskmanager-2}, ...) with SLOTS slots each; returns once all have registered.
   *
   * @param extraConfig config.yaml lines added after (and so over) the defaults
   */
  static StandaloneFlink start(Path dir, boolean djlInLib, List<String> javaOpts, int taskManagers, int slots,
      List<String> extraConfig) throws Exception {
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
        "taskmanager.numberOfTaskSlots: " + slots,
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
        String.join("\n", extraConfig),
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
    try {
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
      f.taskManagerCommand = tm;
      for (int i = 0; i < taskManagers; i++) {
        f.startTaskManager();
      }
      f.awaitTaskManagers(taskManagers, 120);
      return f;
    } catch (Exception | Error e) {
      f.close();
      throw new IllegalStateException("cluster did not start; logs in " + dir, e);
    }
  }

  /**
   * Starts one more TaskManager (resource id {@code taskmanager-N}, log {@code taskmanager-N.log}; the first is
   * {@code taskmanager}); returns its resource id. It registers with the JobManager some seconds later.
   */
  String startTaskManager() throws IOException {
    String id = taskManagers.isEmpty() ? "taskmanager" : "taskmanager-" + (taskManagers.size() + 1);
    List<String> cmd = new ArrayList<>(taskManagerCommand);
    cmd.addAll(List.of("-D", "taskmanager.resource-id=" + id));
    taskManagers.put(id, launch(cmd, id));
    return id;
  }

  /** Waits until at least N TaskManagers are registered with the JobManager. */
  void awaitTaskManagers(int n, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      try {
        if (get("/taskmanagers").path("taskmanagers").size() >= n) {
          return;
        }
      } catch (IOException notYet) {
        // REST not up yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(n + " TaskManagers did not register in " + seconds + " s; logs in " + dir);
  }

  /** The process of the TaskManager with this resource id (as the REST API's taskmanager-id gives it). */
  Process taskManager(String resourceId) {
    Process p = taskManagers.get(resourceId);
    if (p == null) {
      throw new IllegalArgumentException("no TaskManager " + resourceId + " was started here: " + taskManagers.keySet());
    }
    return p;
  }

  private Process launch(List<String> cmd, String name) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile()).start();
    synchronized (processes) {
      processes.add(p);
    }
    return p;
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

  /** POSTs a JSON body (null: none) and returns the JSON answer. */
  JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : JSON.writeValueAsString(body))).build();
    return JSON.readTree(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
  }

  /**
   * Runs an uploaded jar from a savepoint or retained checkpoint ({@code savepointPath} of
   * {@code POST /jars/ID/run}, what {@code flink run -s} sets); returns the REST answer.
   */
  JsonNode runFrom(String jarId, int parallelism, String savepointPath, List<String> args)
      throws IOException, InterruptedException {
    var body = JSON.createObjectNode();
    body.put("parallelism", parallelism);
    body.put("savepointPath", savepointPath);
    body.putPOJO("programArgsList", args);
    return post("/jars/" + jarId + "/run", body);
  }

  /**
   * Stop-with-savepoint ({@code POST /jobs/ID/stop}, no drain: no window is closed early) into DIR; waits for
   * it and returns the savepoint's path.
   */
  String stopWithSavepoint(String jobId, Path targetDirectory, int seconds) throws Exception {
    var body = JSON.createObjectNode();
    body.put("targetDirectory", targetDirectory.toUri().toString());
    body.put("drain", false);
    JsonNode trigger = post("/jobs/" + jobId + "/stop", body);
    String request = trigger.path("request-id").asText();
    if (request.isEmpty()) {
      throw new IllegalStateException("stop-with-savepoint not accepted: " + trigger);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      JsonNode s = get("/jobs/" + jobId + "/savepoints/" + request);
      if ("COMPLETED".equals(s.path("status").path("id").asText())) {
        JsonNode op = s.path("operation");
        if (op.has("failure-cause")) {
          throw new IllegalStateException("stop-with-savepoint failed: " + op.path("failure-cause"));
        }
        return op.path("location").asText();
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException("stop-with-savepoint of " + jobId + " not done in " + seconds + " s");
  }

  /** Cancels a job ({@code PATCH /jobs/ID?mode=cancel}) and waits until it is no longer running. */
  String cancel(String jobId, int seconds) throws Exception {
    http.send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel"))
        .method("PATCH", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    return await(jobId, seconds);
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

  /** Stops every process this cluster started, by its PID: SIGTERM, then SIGKILL after 20 s. */
  @Override
  public void close() throws InterruptedException {
    List<Process> all;
    synchronized (processes) {
      all = new ArrayList<>(processes);
    }
    try {
      for (Process p : all) {
        p.destroy();
      }
      for (Process p : all) {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopOnExit);
      } catch (IllegalStateException exiting) {
        // the JVM is shutting down: the hook runs anyway
      }
    }
  }
}
