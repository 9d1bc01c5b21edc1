package io.fmselect.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Apicurio Registry's ready-built app (the runner jar the build unpacks into {@code target/registry}) as a
 * child process: started on a host and port, in memory or on an H2 file database, watched until its
 * Confluent-compatible API answers, and stopped with SIGTERM. Its own log is not shown: a pump thread reads
 * it and keeps its ERROR lines, which explain a failed start in one line and are passed on, one line each,
 * once it serves.
 */
final class RegistryServer {
  /** Path of the Confluent-compatible API under the registry's root. */
  static final String API_PATH = "/apis/ccompat/v7";
  /** How long the registry may take to answer (about 4 s on a laptop, up to 15 s on a busy 2-core machine). */
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  /** An ERROR line of the registry's (Quarkus's) log: "DATE TIME ERROR <tenant> [logger] (thread) message". */
  private static final Pattern ERROR_LINE =
      Pattern.compile("^\\S+ \\S+ ERROR (?:<[^>]*> )?(?:\\[[^\\]]*\\] )?(?:\\([^)]*\\) )?(.*)$");
  /** A "Caused by: Type: message" line of a stack trace the registry logs. */
  private static final Pattern CAUSE_LINE = Pattern.compile("^Caused by: [\\w.$]+(?:: (.*))?$");

  private final Process process;
  private final String url;
  private final PrintWriter err;
  private final Thread pump;
  /** The last ERROR message and the innermost cause logged under it (guarded by this). */
  private String lastError;
  private String lastCause;
  private boolean serving;

  private RegistryServer(Process process, String url, PrintWriter err) {
    this.process = process;
    this.url = url;
    this.err = err;
    this.pump = new Thread(this::pump, "fmselect-registry-log");
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * The child's command line: this JVM's java, a heap cap (the registry idles at about 300 MB), the address,
   * and with a database file, H2 on that file instead of in memory.
   */
  static List<String> command(Path runnerJar, String host, int port, Path database) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=" + host));
    if (database != null) {
      cmd.add("-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + database.toAbsolutePath());
    }
    cmd.addAll(List.of("-jar", runnerJar.toString()));
    return cmd;
  }

  /**
   * Starts the registry and returns once {@code GET URL/subjects} answers 200. A registry that exits or does
   * not answer in time is stopped and reported as one line ({@link UserError}).
   *
   * @param url the API's base URL the registry is asked at (a local address where it binds every interface)
   * @param err where the registry's errors go once it serves
   */
  static RegistryServer start(List<String> command, String url, PrintWriter err) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    RegistryServer server = new RegistryServer(p, url, err);
    try {
      server.awaitReady();
      return server;
    } catch (RuntimeException | InterruptedException e) {
      server.stop();
      throw e;
    }
  }

  private void awaitReady() throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest subjects = HttpRequest.newBuilder(URI.create(url + "/subjects")).timeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        pumpDrained();
        throw new UserError("the schema registry did not start (exit " + process.exitValue() + "): " + problem());
      }
      try {
        if (http.send(subjects, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          synchronized (this) {
            serving = true;
          }
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new UserError("the schema registry did not answer at " + url + " within " + START_TIMEOUT.toSeconds()
            + " s" + (lastError() == null ? "" : ": " + problem()));
      }
      Thread.sleep(200);
    }
  }

  /** Waits until the registry exits; its exit code. */
  int await() throws InterruptedException {
    int code = process.waitFor();
    pumpDrained();
    return code;
  }

  /** Stops the registry: SIGTERM, then SIGKILL if it is still there after 30 s. */
  void stop() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** What went wrong, from the registry's own log: its last ERROR's innermost cause, else that ERROR. */
  synchronized String problem() {
    if (lastCause != null) {
      return lastCause;
    }
    return lastError != null ? lastError : "no error logged";
  }

  private synchronized String lastError() {
    return lastError;
  }

  /** Reads the registry's output to its end: keeps the errors, shows them once it serves. */
  private void pump() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        take(line);
      }
    } catch (IOException e) {
      // the process is gone
    }
  }

  private synchronized void take(String line) {
    Matcher error = ERROR_LINE.matcher(line);
    if (error.matches()) {
      lastError = error.group(1).strip();
      lastCause = null;
      if (serving) {
        err.println("fmselect registry: " + lastError);
        err.flush();
      }
      return;
    }
    Matcher cause = CAUSE_LINE.matcher(line.strip());
    if (lastError != null && cause.matches() && cause.group(1) != null) {
      lastCause = cause.group(1).strip(); // the last one printed is the innermost
    }
  }

  /** Lets the pump read what the exited process wrote last (its output ends when it exits). */
  private void pumpDrained() throws InterruptedException {
    pump.join(TimeUnit.SECONDS.toMillis(5));
  }
}
