package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secured broker as users run one: a {@code bin/fmselect kafka} process whose client listener is SASL_SSL
 * with SCRAM-SHA-512 (a self-signed certificate made with the JDK's keytool, SCRAM users created when the
 * data directory is formatted, the broker's own connections as an admin user). produce, run and subset reach
 * it through {@code --kafka-properties} and give the batch selection; a wrong password or an untrusted
 * certificate is one line and exit 2 per command; no password shows on the console, in the log file or in the
 * Flink web UI's configuration.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredKafkaITCase {
  @TempDir static Path dir;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String CLIENT_PASSWORD = secret("client");
  private static final String ADMIN_PASSWORD = secret("admin");
  private static final String KEYSTORE_PASSWORD = secret("keystore");
  private static final String TRUSTSTORE_PASSWORD = secret("truststore");
  private static final String WRONG_PASSWORD = secret("wrong");
  private static final List<String> SECRETS = List.of(CLIENT_PASSWORD, ADMIN_PASSWORD, KEYSTORE_PASSWORD,
      TRUSTSTORE_PASSWORD, WRONG_PASSWORD);
  private static final Set<String> KAFKA_COMMANDS = Set.of("produce", "run", "subset");

  private static KafkaCommandITCase.Broker broker;
  private static Thread stopOnExit;
  private static Path clientProperties;

  private static String secret(String what) {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return what + "-" + HexFormat.of().formatHex(b);
  }

  @BeforeAll
  static void startSecuredBroker() throws Exception {
    Path keystore = dir.resolve("broker.p12");
    Path truststore = dir.resolve("truststore.p12");
    keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-validity", "2", "-keystore", keystore.toString(), "-storetype",
        "PKCS12", "-storepass", KEYSTORE_PASSWORD);
    Path cert = dir.resolve("broker.pem");
    keytool("-exportcert", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", KEYSTORE_PASSWORD,
        "-rfc", "-file", cert.toString());
    keytool("-importcert", "-alias", "broker", "-file", cert.toString(), "-keystore", truststore.toString(),
        "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD, "-noprompt");

    Path overlay = dir.resolve("broker.properties");
    Files.writeString(overlay, String.join("\n",
        "listener.security.protocol.map=CLIENT:SASL_SSL,CONTROLLER:PLAINTEXT",
        "sasl.enabled.mechanisms=SCRAM-SHA-512",
        "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
        "listener.name.client.scram-sha-512.sasl.jaas.config=" + jaas("admin", ADMIN_PASSWORD),
        "ssl.keystore.type=PKCS12",
        "ssl.keystore.location=" + keystore,
        "ssl.keystore.password=" + KEYSTORE_PASSWORD,
        "ssl.truststore.type=PKCS12",
        "ssl.truststore.location=" + truststore,
        "ssl.truststore.password=" + TRUSTSTORE_PASSWORD) + "\n");
    // the SCRAM users in an argument file, as the README suggests: no password on the broker's command line
    Path scram = dir.resolve("scram.args");
    Files.writeString(scram, "--add-scram SCRAM-SHA-512=[name=fmselect,password=" + CLIENT_PASSWORD + "]\n"
        + "--add-scram SCRAM-SHA-512=[name=admin,password=" + ADMIN_PASSWORD + "]\n");

    clientProperties = clientFile("client.properties", CLIENT_PASSWORD, truststore);
    broker = KafkaCommandITCase.start(dir.resolve("kafka"), KafkaCommandITCase.freePort(),
        KafkaCommandITCase.freePort(), "--config", overlay.toString(), "@" + scram);
    // stopped by its PID in @AfterAll, and also if this JVM is told to exit before that runs
    Process p = broker.process();
    stopOnExit = new Thread(p::destroyForcibly, "stop-secured-broker");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (broker == null) {
      return;
    }
    try {
      KafkaCommandITCase.stop(broker);
    } finally {
      ProcessHandle.of(broker.process().pid()).ifPresent(ProcessHandle::destroyForcibly);
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    }
  }

  static String jaas(String user, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
        + password + "\";";
  }

  /** A client properties file for the user fmselect with this password, trusting this truststore. */
  static Path clientFile(String name, String password, Path truststore) throws IOException {
    return Files.writeString(dir.resolve(name), String.join("\n",
        "security.protocol=SASL_SSL",
        "sasl.mechanism=SCRAM-SHA-512",
        "sasl.jaas.config=" + jaas("fmselect", password),
        "ssl.truststore.type=PKCS12",
        "ssl.truststore.location=" + truststore,
        "ssl.truststore.password=" + TRUSTSTORE_PASSWORD) + "\n");
  }

  static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool finished");
    assertEquals(0, p.exitValue(), "keytool " + args[0] + ": " + out);
  }

  /** The client settings as an admin client of the test takes them. */
  static Properties client(Path file) throws IOException {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    p.put("bootstrap.servers", broker.address());
    return p;
  }

  static void assertNoSecret(String where, String text) {
    for (String s : SECRETS) {
      assertFalse(text.contains(s), where + " shows a password: " + text);
    }
  }

  /** bin/fmselect with --kafka-properties FILE added to the Kafka commands; no password on its console. */
  static StreamCommandsITCase.Launcher withProperties(Path file) {
    return args -> {
      List<String> all = new ArrayList<>(List.of(args));
      if (KAFKA_COMMANDS.contains(args[0])) {
        all.addAll(List.of("--kafka-properties", file.toString()));
      }
      LauncherITCase.Result r = LauncherITCase.launch(all.toArray(String[]::new));
      assertNoSecret(args[0] + "'s stdout", r.out());
      assertNoSecret(args[0] + "'s stderr", r.err());
      return r;
    };
  }

  @Test
  @Order(1)
  void produceRunAndSubsetThroughSaslSslGiveTheBatchSelection() throws Exception {
    StreamCommandsITCase.Launcher secured = withProperties(clientProperties);
    Path d = StreamCommandsITCase.produceExample(client(clientProperties), secured, dir, 1200, 8, 24, 12);
    LauncherITCase.Result r = secured.launch("run", "--bootstrap-servers", broker.address(), "--fm", "dinov2=24",
        "--fm", "clip=12", "--fraction", "0.1", "--window", "2s", "--bounded", "--parallelism", "2", "--no-web-ui");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("done (job net runtime "), r.out());
    StreamCommandsITCase.assertSubsetIsTheBatchSelection(secured, broker.address(), d, dir);
    assertNoSecret("target/fmselect.log", Files.readString(Path.of("target/fmselect.log")));
  }

  /** A Kafka command with a wrong password: exit 2 and one line naming the broker and the cause, well within 30 s. */
  static void assertRefused(String expectedCause, String... args) throws Exception {
    long start = System.nanoTime();
    LauncherITCase.Result r = withProperties(clientFile("wrong.properties", WRONG_PASSWORD, dir.resolve("truststore.p12")))
        .launch(args);
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    assertEquals(2, r.code(), r.out() + r.err());
    assertEquals(List.of("fmselect " + args[0] + ": error: authentication failed on " + broker.address() + ": "
        + expectedCause), r.err().lines().toList());
    assertTrue(seconds < 25, "refused in " + seconds + " s, not after the client's 30 s timeout");
  }

  static final String BAD_CREDENTIALS =
      "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512";

  @Test
  @Order(2)
  void produceWithAWrongPasswordIsOneLine() throws Exception {
    Path d = dir.resolve("refused");
    assertEquals(0, LauncherITCase.launch("generate", "--out-dir", d.toString(), "--rows", "10", "--classes", "2",
        "--dims", "4", "--names", "a").code());
    assertRefused(BAD_CREDENTIALS, "produce", "--bootstrap-servers", broker.address(), "--topic", "refused",
        "--labels", d.resolve("labels.npy").toString(), "--features", "a=" + d.resolve("a.npy"));
  }

  @Test
  @Order(3)
  void runWithAWrongPasswordIsOneLine() throws Exception {
    assertRefused(BAD_CREDENTIALS, "run", "--bootstrap-servers", broker.address(), "--fm", "a=4", "--bounded",
        "--no-web-ui");
  }

  @Test
  @Order(4)
  void subsetWithAWrongPasswordIsOneLine() throws Exception {
    assertRefused(BAD_CREDENTIALS, "subset", "--bootstrap-servers", broker.address(), "--out",
        dir.resolve("refused.txt").toString());
    assertFalse(Files.exists(dir.resolve("refused.txt")));
  }

  @Test
  @Order(5)
  void anUntrustedCertificateIsOneLine() throws Exception {
    // a truststore that holds another certificate: the TLS handshake fails before any password is sent
    Path other = dir.resolve("other.p12");
    keytool("-genkeypair", "-alias", "other", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=other",
        "-validity", "2", "-keystore", other.toString(), "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD);
    Path untrusting = clientFile("untrusting.properties", CLIENT_PASSWORD, other);
    LauncherITCase.Result r = withProperties(untrusting).launch("subset", "--bootstrap-servers", broker.address(),
        "--out", dir.resolve("untrusted.txt").toString());
    assertEquals(2, r.code(), r.err());
    assertEquals(List.of("fmselect subset: error: authentication failed on " + broker.address()
        + ": SSL handshake failed (unable to find valid certification path to requested target)"), r.err().lines().toList());
  }

  @Test
  @Order(6)
  void noPasswordInTheWebUiOrTheLogOfARunningJob() throws Exception {
    try (Admin admin = Admin.create(client(clientProperties))) {
      admin.createTopics(List.of(new NewTopic("webui-samples", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of("bin/fmselect").toAbsolutePath().toString(), "run",
        "--bootstrap-servers", broker.address(), "--kafka-properties", clientProperties.toString(), "--input-topic",
        "webui-samples", "--output-topic", "webui-subset", "--fm", "a=4", "--group-id", "webui"));
    Path err = dir.resolve("webui-run.err");
    Process run = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    StringBuilder out = new StringBuilder();
    try {
      BufferedReader lines = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8));
      String url = CompletableFuture.supplyAsync(() -> {
        try {
          for (String l; (l = lines.readLine()) != null; ) {
            out.append(l).append('\n');
            if (l.startsWith("Flink web UI: ")) {
              return l;
            }
          }
          return null;
        } catch (IOException e) {
          return null;
        }
      }).get(120, TimeUnit.SECONDS);
      assertTrue(url != null, "the run prints its web UI: " + out + Files.readString(err));
      Matcher m = Pattern.compile("Flink web UI: (http://[^/]+)/#/job/running/([0-9a-f]{32})").matcher(url);
      assertTrue(m.matches(), url);
      String base = m.group(1);
      String job = m.group(2);

      FlinkRest rest = new FlinkRest(base, job);
      JsonNode jobConfig = rest.get("/jobs/" + job + "/config");
      assertEquals(job, jobConfig.path("jid").asText(), jobConfig.toString());
      JsonNode clusterConfig = rest.get("/jobmanager/config");
      assertTrue(clusterConfig.toString().contains("execution.checkpointing.dir"), "the job's settings are there");
      for (String path : List.of("/jobs/" + job + "/config", "/jobmanager/config", "/jobs/" + job,
          "/jobs/" + job + "/plan", "/jobmanager/environment", "/jobs/" + job + "/exceptions")) {
        assertNoSecret("GET " + path, rest.get(path).toString());
      }
      assertEquals("RUNNING", rest.get("/jobs/" + job).path("state").asText(), "the job runs on SASL_SSL");
    } finally {
      run.destroy(); // SIGTERM to its PID
      if (!run.waitFor(30, TimeUnit.SECONDS)) {
        run.destroyForcibly();
      }
    }
    assertNoSecret("run's stdout", out.toString());
    assertNoSecret("run's stderr", Files.readString(err));
    assertNoSecret("target/fmselect.log", Files.readString(Path.of("target/fmselect.log")));
  }
}
