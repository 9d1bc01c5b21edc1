package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fmselect registry}'s checks before it starts the registry: each problem is one line, exit code 2, and
 * no registry is started. The running registry is {@code RegistryCommandITCase}'s.
 */
class RegistryCommandTest {
  @TempDir Path tmp;

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The run's stderr is exactly this one line; nothing on stdout (no ready line). */
  static void oneLine(InProcess.Run r, String expected) {
    assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.err());
    assertEquals("", r.out());
    List<String> lines = r.err().lines().toList();
    assertEquals(1, lines.size(), r.err());
    assertEquals(expected, lines.get(0));
  }

  @Test
  void aPortThatIsNotOneIsRefused() {
    oneLine(InProcess.run("registry", "--port", "70000"), "fmselect registry: error: --port 70000 is not a port (1..65535)");
  }

  @Test
  void aPortInUseIsOneLineBeforeAnythingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      InProcess.Run r = InProcess.run("registry", "--port", Integer.toString(port));
      assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("fmselect registry: error: cannot listen on 127.0.0.1:" + port + " ("), r.err());
      assertTrue(r.err().strip().endsWith("choose --port or --host"), r.err());
    }
  }

  @Test
  void anUnknownHostIsOneLine() throws Exception {
    oneLine(InProcess.run("registry", "--host", "no-such-host.invalid", "--port", Integer.toString(freePort())),
        "fmselect registry: error: --host no-such-host.invalid: unknown host");
  }

  @Test
  void aDataDirThatIsAFileIsOneLine() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    oneLine(InProcess.run("registry", "--data-dir", file.toString(), "--port", Integer.toString(freePort())),
        "fmselect registry: error: --data-dir " + file + " exists and is not a directory");
    assertEquals("x", Files.readString(file), "left as it was");
  }

  @Test
  void aDataDirThatCannotBeCreatedIsOneLine() throws Exception {
    Path under = Files.writeString(tmp.resolve("file"), "x").resolve("data");
    InProcess.Run r = InProcess.run("registry", "--data-dir", under.toString(), "--port", Integer.toString(freePort()));
    assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("fmselect registry: error: --data-dir " + under + ": cannot create it ("), r.err());
  }

  /** A directory no one may create files in, root included: a process's folder under /proc. */
  @Test
  void aDataDirThatIsNotWritableIsOneLine() throws Exception {
    Path proc = Path.of("/proc/self");
    assumeTrue(Files.isDirectory(proc), "Linux /proc");
    InProcess.Run r = InProcess.run("registry", "--data-dir", proc.toString(), "--port", Integer.toString(freePort()));
    assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("fmselect registry: error: --data-dir /proc/self is not writable ("), r.err());
  }

  @Test
  void aDataDirHeldByAnotherRegistryIsOneLine() throws Exception {
    Path data = tmp.resolve("data");
    try (RegistryCommand.DataDirLock held = RegistryCommand.DataDirLock.take(data)) {
      oneLine(InProcess.run("registry", "--data-dir", data.toString(), "--port", Integer.toString(freePort())),
          "fmselect registry: error: --data-dir " + data + " is in use by another schema registry");
    }
    // released: the directory may be taken again
    RegistryCommand.DataDirLock.take(data).close();
  }

  @Test
  void withoutTheUnpackedRegistryItSaysHowToBuildIt() {
    UserError e = assertThrows(UserError.class, () -> RegistryCommand.runnerJar(tmp));
    assertEquals("no schema registry in " + tmp.resolve("target/registry") + ": the build unpacks it there; run `mvn -B"
        + " -DskipTests package` in " + tmp.toAbsolutePath().normalize(), e.getMessage());
  }

  @Test
  void theUnpackedRegistrysRunnerJarIsFound() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("target/registry/lib"));
    Path jar = Files.write(dir.resolveSibling("apicurio-registry-app-2.6.13.Final-runner.jar"), new byte[0]);
    assertEquals(jar, RegistryCommand.runnerJar(tmp));
  }

  @Test
  void theReadyUrlIsOneClientsCanUse() throws Exception {
    assertEquals("http://127.0.0.1:8080/apis/ccompat/v7", RegistryCommand.url(InetAddress.getByName("127.0.0.1"), 8080));
    assertEquals("http://127.0.0.1:9000/apis/ccompat/v7", RegistryCommand.url(InetAddress.getByName("0.0.0.0"), 9000),
        "every interface: a client here asks the loopback address");
    assertEquals("http://[0:0:0:0:0:0:0:1]:9000/apis/ccompat/v7", RegistryCommand.url(InetAddress.getByName("::1"), 9000));
  }

  @Test
  void theChildRunsTheRunnerJarOnTheAddressAndTheDatabaseFile() {
    Path jar = Path.of("target/registry/r-runner.jar");
    List<String> mem = RegistryServer.command(jar, "127.0.0.1", 8080, null);
    assertTrue(mem.containsAll(List.of("-Dquarkus.http.port=8080", "-Dquarkus.http.host=127.0.0.1", "-jar", jar.toString())),
        mem.toString());
    assertTrue(mem.stream().noneMatch(a -> a.contains("jdbc")), "in memory: the app's default");
    List<String> file = RegistryServer.command(jar, "127.0.0.1", 8080, tmp.resolve("registry"));
    assertTrue(file.contains("-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + tmp.toAbsolutePath().resolve("registry")),
        file.toString());
    assertEquals(List.of("-jar", jar.toString()), file.subList(file.size() - 2, file.size()), "options before -jar");
  }
}
