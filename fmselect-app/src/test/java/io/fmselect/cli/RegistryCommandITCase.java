package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
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
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fmselect registry} as a user runs it: a real Apicurio Registry child process that serves the
 * Confluent-compatible API at the URL of its ready line, stops with its child on SIGTERM, keeps schemas and
 * their ids in --data-dir across restarts, and reports what stops it from starting in one line.
 */
class RegistryCommandITCase {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final String AVRO = "application/vnd.schemaregistry.v1+json";
  @TempDir Path dir;

  /** A running command: its process, its API's URL, and what it printed (read from the start, to the end). */
  record Registry(Process process, String url, CompletableFuture<String> out, CompletableFuture<String> err) {}

  record Exit(int code, String out, String err) {}

  static List<String> command(int port, String... extra) {
    List<String> cmd = new ArrayList<>(List.of(Path.of("bin/fmselect").toAbsolutePath().toString(), "registry",
        "--port", Integer.toString(port)));
    cmd.addAll(List.of(extra));
    return cmd;
  }

  /** Reads a stream to its end in the background. */
  static CompletableFuture<String> all(java.io.InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return "(unreadable: " + e + ")";
      }
    });
  }

  /** Starts {@code bin/fmselect registry}; returns once it prints its ready line (checked), stops it if it does not. */
  static Registry start(int port, String... extra) throws Exception {
    Process p = new ProcessBuilder(command(port, extra)).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = ProcessLines.next(out, 150);
      String url = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
      assertEquals("ready " + url, line);
      CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> {
        StringBuilder b = new StringBuilder();
        try {
          for (String l = out.readLine(); l != null; l = out.readLine()) {
            b.append(l).append('\n');
          }
        } catch (java.io.IOException e) {
          b.append("(unreadable: ").append(e).append(')');
        }
        return b.toString();
      });
      return new Registry(p, url, rest, all(p.getErrorStream()));
    } catch (Throwable t) {
      p.destroyForcibly();
      throw t;
    }
  }

  /** Runs {@code bin/fmselect registry} that is expected to exit by itself. */
  static Exit run(int port, String... extra) throws Exception {
    Process p = new ProcessBuilder(command(port, extra)).start();
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
      try {
        return p.getErrorStream().readAllBytes();
      } catch (java.io.IOException e) {
        return new byte[0];
      }
    });
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("still running: " + command(port, extra));
    }
    return new Exit(p.exitValue(), new String(out, StandardCharsets.UTF_8),
        new String(err.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
  }

  /** The registry's JVM: the command's child process that runs the runner jar. */
  static ProcessHandle child(Process fmselect) {
    List<ProcessHandle> registries = fmselect.descendants()
        .filter(h -> h.info().commandLine().orElse("").contains("-runner.jar")).toList();
    assertEquals(1, registries.size(), "one registry process under fmselect registry");
    return registries.get(0);
  }

  /**
   * SIGTERM to the command: it exits cleanly within 30 s, its registry process is gone, and it printed nothing
   * after its ready line; what it printed on stderr.
   */
  static String stop(Registry r) throws Exception {
    ProcessHandle registry = child(r.process());
    r.process().destroy(); // SIGTERM
    assertTrue(r.process().waitFor(30, TimeUnit.SECONDS), "stopped within 30 s of SIGTERM");
    int code = r.process().exitValue();
    assertTrue(code == 0 || code == 143, "clean exit, got " + code);
    registry.onExit().get(10, TimeUnit.SECONDS);
    assertFalse(registry.isAlive(), "the registry process is gone");
    assertEquals("", r.out().get(30, TimeUnit.SECONDS), "nothing on stdout after the ready line");
    return r.err().get(30, TimeUnit.SECONDS);
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static HttpResponse<String> post(String url, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", AVRO)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String url, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The Confluent API's registration body for an Avro schema (JSON in a JSON string). */
  static String schemaBody(String avro) {
    return "{\"schema\":\"" + avro.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
  }

  /** Registers an Avro schema under a subject; the id the registry gives it. */
  static int register(String url, String subject, String avro) throws Exception {
    HttpResponse<String> r = post(url, "/subjects/" + subject + "/versions", schemaBody(avro));
    assertEquals(200, r.statusCode(), r.body());
    Matcher m = Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(r.body());
    assertTrue(m.find(), r.body());
    return Integer.parseInt(m.group(1));
  }

  static String record(String name) {
    return "{\"type\":\"record\",\"name\":\"" + name + "\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}";
  }

  @Test
  void servesTheConfluentApiAtItsReadyUrlAndStopsWithItsChild() throws Exception {
    Registry r = start(freePort());
    try {
      int id = register(r.url(), "samples-value", record("Sample"));
      HttpResponse<String> byId = get(r.url(), "/schemas/ids/" + id);
      assertEquals(200, byId.statusCode(), byId.body());
      assertTrue(byId.body().contains("Sample"), byId.body());
      HttpResponse<String> subjects = get(r.url(), "/subjects");
      assertEquals("[\"samples-value\"]", subjects.body().replace(" ", ""));
      // a request the registry logs as an ERROR (a body that is not JSON): passed on as one line
      assertEquals(400, post(r.url(), "/subjects/samples-value/versions", "not json").statusCode());
    } catch (Throwable t) {
      r.process().destroy();
      throw t;
    }
    List<String> err = stop(r).lines().toList();
    assertEquals(1, err.size(), "the registry's log is not passed on, only its errors, one line each: " + err);
    assertTrue(err.get(0).startsWith("fmselect registry: ") && err.get(0).contains("Not able to deserialize"), err.get(0));
  }

  @Test
  void aDataDirKeepsTheSchemasAndTheirIdsAcrossRestartsAndServesOneRegistry() throws Exception {
    Path data = dir.resolve("registry");
    int port = freePort();
    Registry first = start(port, "--data-dir", data.toString());
    int a;
    int b;
    try {
      a = register(first.url(), "a-value", record("A"));
      b = register(first.url(), "b-value", record("B"));
      assertTrue(a != b);
      // a second registry on the same directory: refused in one line while the first runs
      Exit second = run(freePort(), "--data-dir", data.toString());
      assertEquals(Main.EXIT_BAD_INPUT, second.code(), second.err());
      assertEquals("", second.out());
      assertEquals(List.of("fmselect registry: error: --data-dir " + data + " is in use by another schema registry"),
          second.err().lines().toList());
    } catch (Throwable t) {
      first.process().destroy();
      throw t;
    }
    assertEquals("", stop(first), "nothing on stderr: the registry's log is not passed on");

    Registry again = start(port, "--data-dir", data.toString());
    try {
      HttpResponse<String> byId = get(again.url(), "/schemas/ids/" + b);
      assertEquals(200, byId.statusCode(), byId.body());
      assertTrue(byId.body().contains("\\\"B\\\"") || byId.body().contains("\"B\""), byId.body());
      assertEquals(b, register(again.url(), "b-value", record("B")), "the same schema keeps its id");
      assertEquals(a, register(again.url(), "a-value", record("A")));
      int c = register(again.url(), "c-value", record("C"));
      assertTrue(c != a && c != b, "a new schema gets a new id: " + c);
    } catch (Throwable t) {
      again.process().destroy();
      throw t;
    }
    assertEquals("", stop(again));
  }

  @Test
  void whatStopsItFromStartingIsOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Exit inUse = run(taken.getLocalPort());
      assertEquals(Main.EXIT_BAD_INPUT, inUse.code(), inUse.err());
      assertEquals("", inUse.out());
      assertEquals(1, inUse.err().lines().count(), inUse.err());
      assertTrue(inUse.err().startsWith("fmselect registry: error: cannot listen on 127.0.0.1:" + taken.getLocalPort()),
          inUse.err());
    }
    // a data directory whose database is not one: the registry exits, and says why in one line
    Path data = Files.createDirectories(dir.resolve("corrupt"));
    byte[] junk = new byte[16384];
    new Random(1).nextBytes(junk);
    Files.write(data.resolve(RegistryCommand.DATABASE + ".mv.db"), junk);
    Exit corrupt = run(freePort(), "--data-dir", data.toString());
    assertEquals(Main.EXIT_BAD_INPUT, corrupt.code(), corrupt.err());
    assertEquals("", corrupt.out());
    assertEquals(1, corrupt.err().lines().count(), corrupt.err());
    assertTrue(corrupt.err().startsWith("fmselect registry: error: the schema registry did not start (exit 1): "),
        corrupt.err());
    assertTrue(corrupt.err().contains(data.resolve(RegistryCommand.DATABASE + ".mv.db").toString()), corrupt.err());
  }
}
