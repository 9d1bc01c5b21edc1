package io.fmselect.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fmselect registry}: a local schema registry (Apicurio Registry 2.6, the ready-built app the build
 * unpacks into {@code target/registry}) for {@code --schema-registry}, as {@code fmselect kafka} is a local
 * broker. It runs as a child process ({@link RegistryServer}); this command checks what it can first (the
 * app is there, the port is free, the data directory is usable and no other registry holds it), prints one
 * {@code ready URL} line once the Confluent-compatible API answers, and stops the child on Ctrl-C or SIGTERM.
 */
@Command(
    name = "registry",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs a local schema registry (Apicurio Registry, Confluent-compatible API) for --schema-registry.",
      "Prints 'ready URL' on stdout once the API answers: the URL is what --schema-registry takes. Stops cleanly on"
          + " Ctrl-C or SIGTERM. Without --data-dir the schemas are kept in memory and lost when it stops; with it"
          + " they are kept in that directory, with their ids, across restarts (one registry per directory).",
      "The registry's own log is not shown; its errors are, one line each."
    })
public final class RegistryCommand implements Callable<Integer> {
  /** The default port: Apicurio's own, clear of Flink's web UI (8081-8099) and Kafka (9092). */
  static final int DEFAULT_PORT = 8080;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + DEFAULT_PORT,
      description = "HTTP port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "address to bind (default: ${DEFAULT-VALUE}); 0.0.0.0 for every interface")
  String host;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "keep the schemas in this directory (an H2 database), so that a restart keeps them and their"
          + " ids; without it they are kept in memory only")
  Path dataDir;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The file under --data-dir that this command locks while it runs: one registry per directory. */
  static final String LOCK_FILE = "registry.lock";
  /** The H2 database's name under --data-dir (H2 adds .mv.db). */
  static final String DATABASE = "registry";

  @Override
  public Integer call() throws Exception {
    if (port < 1 || port > 65535) {
      throw new UserError("--port " + port + " is not a port (1..65535)");
    }
    InetAddress address = address(host);
    try (DataDirLock lock = dataDir == null ? null : DataDirLock.take(dataDir)) {
      portFree(address, port);
      Path jar = runnerJar(Path.of(System.getProperty("fmselect.home", ".")));
      String url = url(address, port);
      RegistryServer server = RegistryServer.start(
          RegistryServer.command(jar, host, port, dataDir == null ? null : dataDir.resolve(DATABASE)), url,
          spec.commandLine().getErr());
      Stopping stopping = new Stopping();
      Thread hook = new Thread(() -> {
        stopping.set();
        server.stop();
      }, "fmselect-registry-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      spec.commandLine().getOut().println("ready " + url);
      spec.commandLine().getOut().flush();
      int code = server.await();
      // Ctrl-C reaches the registry too (one process group): a child stopped by a signal is a clean stop
      if (stopping.isSet() || code == 130 || code == 143) {
        return 0;
      }
      throw new JobFailed("the schema registry stopped (exit " + code + "): " + server.problem());
    }
  }

  /** Set by the shutdown hook: the child's exit is then asked for. */
  private static final class Stopping {
    private volatile boolean set;

    void set() {
      set = true;
    }

    boolean isSet() {
      return set;
    }
  }

  /** The registry's runner jar under HOME/target/registry, or one line saying how to get it. */
  static Path runnerJar(Path home) throws IOException {
    Path dir = home.resolve("target").resolve("registry");
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        Path jar = files.filter(f -> f.getFileName().toString().endsWith("-runner.jar")).findFirst().orElse(null);
        if (jar != null) {
          return jar;
        }
      }
    }
    throw new UserError("no schema registry in " + dir + ": the build unpacks it there; run `mvn -B -DskipTests"
        + " package` in " + home.toAbsolutePath().normalize());
  }

  static InetAddress address(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new UserError("--host " + host + ": unknown host");
    }
  }

  /** One line if something listens on the address already (or it cannot be bound here). */
  static void portFree(InetAddress address, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(address, port));
    } catch (IOException e) {
      throw new UserError("cannot listen on " + address.getHostAddress() + ":" + port + " (" + e.getMessage()
          + "): another program uses the port, or the address is not this machine's; choose --port or --host");
    }
  }

  /** The API's base URL for clients: on a local address where the registry binds every interface. */
  static String url(InetAddress address, int port) {
    InetAddress at = address.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : address;
    String h = at.getHostAddress();
    return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port + RegistryServer.API_PATH;
  }

  /**
   * The data directory, created if need be, locked by this process while the registry runs (H2 allows one
   * registry per database file; a second would fail inside the registry with a stack trace). Taking the lock
   * also shows that the directory is writable.
   */
  static final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
      this.channel = channel;
      this.lock = lock;
    }

    static DataDirLock take(Path dir) {
      if (Files.exists(dir) && !Files.isDirectory(dir)) {
        throw new UserError("--data-dir " + dir + " exists and is not a directory");
      }
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UserError("--data-dir " + dir + ": cannot create it (" + e + ")");
      }
      FileChannel channel;
      try {
        channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new UserError("--data-dir " + dir + " is not writable (" + e + ")");
      }
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (IOException | OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        try {
          channel.close();
        } catch (IOException e) {
          // nothing held
        }
        throw new UserError("--data-dir " + dir + " is in use by another schema registry");
      }
      return new DataDirLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
      lock.release();
      channel.close();
    }
  }
}
