package io.fmselect.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;

/**
 * A client of a schema registry's Confluent-compatible REST API (Confluent Schema Registry, or Apicurio
 * Registry at {@code /apis/ccompat/v7}): registers the schemas of the topics fmselect writes and fetches
 * writer schemas by id.
 *
 * <p>Subjects follow the TopicNameStrategy: a topic's values are registered under {@code <topic>-value}. A
 * subject registered for the first time gets compatibility BACKWARD, so that every later version must read
 * the records of the one before; the registry then refuses an incompatible schema.
 *
 * <p>Settings come from the Kafka client properties, as Confluent's serializers take them:
 * {@value #URL} (the base URL, e.g. {@code http://registry:8080/apis/ccompat/v7}), {@value #USER_INFO}
 * ({@code USER:PASSWORD} for HTTP basic auth; {@code basic.auth.user.info} also works), and
 * {@value #TRUSTSTORE} / {@value #TRUSTSTORE_PASSWORD} for an HTTPS registry whose certificate the JVM does not
 * trust. Ids are immutable in a registry, so what was fetched or registered is kept for the JVM's lifetime:
 * a job that restarts in the same process asks again only for what it has not seen.
 *
 * <p>Failures: {@link Unavailable} when the registry cannot be reached or answers 5xx (it may come back);
 * {@link Refused} when it answers no (an incompatible schema, an unknown id, wrong credentials).
 */
public final class SchemaRegistry implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The registry's base URL in Kafka client properties. */
  public static final String URL = "schema.registry.url";
  /** {@code USER:PASSWORD} for basic auth. */
  public static final String USER_INFO = "schema.registry.basic.auth.user.info";
  /** The unprefixed spelling of {@link #USER_INFO} that Confluent's clients also accept. */
  static final String USER_INFO_SHORT = "basic.auth.user.info";
  /** A truststore (PKCS12 or JKS) for an HTTPS registry. */
  public static final String TRUSTSTORE = "schema.registry.ssl.truststore.location";
  public static final String TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";

  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Writer schemas by registry and id. */
  private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();
  /** Registered ids by registry, subject and schema. */
  private static final Map<String, Integer> IDS = new ConcurrentHashMap<>();

  private final String url;
  private final String userInfo;
  private final String truststore;
  private final String truststorePassword;
  private final long timeoutMs;
  private transient HttpClient http;

  /** The registry the properties name; null if they name none. */
  public static SchemaRegistry of(Properties props) {
    String url = props.getProperty(URL);
    if (url == null || url.isBlank()) {
      return null;
    }
    String user = props.getProperty(USER_INFO, props.getProperty(USER_INFO_SHORT));
    return new SchemaRegistry(url, user, props.getProperty(TRUSTSTORE), props.getProperty(TRUSTSTORE_PASSWORD),
        Duration.ofSeconds(10));
  }

  /** Kafka client properties without the registry's settings (Kafka's clients would warn about them as unknown). */
  public static Properties kafkaOnly(Properties props) {
    Properties p = new Properties();
    for (String k : props.stringPropertyNames()) {
      if (!registryKey(k)) {
        p.put(k, props.get(k));
      }
    }
    return p;
  }

  /** Only the registry's settings of client properties (what {@link #kafkaOnly} takes out). */
  public static Properties settings(Properties props) {
    Properties p = new Properties();
    for (String k : props.stringPropertyNames()) {
      if (registryKey(k)) {
        p.put(k, props.get(k));
      }
    }
    return p;
  }

  private static boolean registryKey(String k) {
    return k.startsWith("schema.registry.") || k.startsWith("basic.auth.");
  }

  public SchemaRegistry(String url, String userInfo, String truststore, String truststorePassword, Duration timeout) {
    String u = Objects.requireNonNull(url).strip();
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    URI parsed;
    try {
      parsed = URI.create(u);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("schema registry URL '" + url + "' is not a URL: " + e.getMessage());
    }
    if (!"http".equals(parsed.getScheme()) && !"https".equals(parsed.getScheme()) || parsed.getHost() == null) {
      throw new IllegalArgumentException("schema registry URL '" + url + "' is not an http:// or https:// URL");
    }
    this.url = u;
    this.userInfo = userInfo;
    this.truststore = truststore;
    this.truststorePassword = truststorePassword;
    this.timeoutMs = timeout.toMillis();
  }

  /** The base URL, without a trailing slash. */
  public String url() {
    return url;
  }

  /** The TopicNameStrategy subject of a topic's values. */
  public static String subject(String topic) {
    return topic + "-value";
  }

  /** The registry cannot be reached, or failed (5xx, a timeout): it may come back. */
  public static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The registry answered no: an incompatible or invalid schema, an unknown id, refused credentials. */
  public static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    Refused(String message, int status) {
      super(message);
      this.status = status;
    }

    /** The HTTP status of the answer. */
    public int status() {
      return status;
    }
  }

  /**
   * The id of {@code schema} under {@code subject}, registering it if the subject does not have it yet. A
   * subject new to the registry gets compatibility BACKWARD first. Throws {@link Refused} if the registry
   * refuses the schema (incompatible with the subject's latest version under its compatibility setting).
   */
  public int register(String subject, Schema schema) {
    String key = url + "|" + subject + "|" + schema;
    Integer known = IDS.get(key);
    if (known != null) {
      return known;
    }
    String path = "/subjects/" + encode(subject);
    Answer versions = call("GET", path + "/versions", null);
    if (versions.status() == 404) { // a new subject: BACKWARD from its first version on
      Answer set = call("PUT", "/config/" + encode(subject), "{\"compatibility\":\"BACKWARD\"}");
      if (set.status() / 100 != 2) {
        throw refused("would not set compatibility BACKWARD on subject '" + subject + "'", set);
      }
    } else if (versions.status() / 100 != 2) {
      throw refused("would not list the versions of subject '" + subject + "'", versions);
    }
    Answer a = call("POST", path + "/versions", schemaBody(schema));
    if (a.status() / 100 != 2) {
      throw refused("refuses " + schema.getFullName() + " under subject '" + subject + "'", a);
    }
    int id = a.json().path("id").asInt(-1);
    if (id < 0) {
      throw new Refused("schema registry at " + url + " answered a registration without an id: " + a.body(), a.status());
    }
    IDS.put(key, id);
    SCHEMAS.putIfAbsent(url + "|" + id, schema);
    return id;
  }

  /**
   * Whether {@code schema} may be registered under {@code subject} now (the registry's compatibility check
   * against the latest version; true for a subject without versions).
   */
  public boolean compatible(String subject, Schema schema) {
    Answer a = call("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
    if (a.status() == 404) {
      return true;
    }
    if (a.status() / 100 != 2) {
      throw refused("would not check " + schema.getFullName() + " under subject '" + subject + "'", a);
    }
    return a.json().path("is_compatible").asBoolean(false);
  }

  /** The subject's compatibility setting (its own, else the registry's default). */
  public String compatibility(String subject) {
    Answer a = call("GET", "/config/" + encode(subject), null);
    if (a.status() / 100 != 2) {
      a = call("GET", "/config", null);
    }
    if (a.status() / 100 != 2) {
      throw refused("would not tell the compatibility of subject '" + subject + "'", a);
    }
    return a.json().path("compatibilityLevel").asText(a.json().path("compatibility").asText(null));
  }

  /** The schema with this id; throws {@link Refused} (status 404) if the registry has no such id. */
  public Schema schema(int id) {
    String key = url + "|" + id;
    Schema known = SCHEMAS.get(key);
    if (known != null) {
      return known;
    }
    Answer a = call("GET", "/schemas/ids/" + id, null);
    if (a.status() / 100 != 2) {
      throw refused("has no schema with id " + id, a);
    }
    JsonNode type = a.json().get("schemaType");
    if (type != null && !type.isNull() && !"AVRO".equalsIgnoreCase(type.asText())) {
      throw new Refused("schema id " + id + " in the schema registry at " + url + " is " + type.asText() + ", not Avro", 200);
    }
    Schema s;
    try {
      s = new Schema.Parser().parse(a.json().path("schema").asText());
    } catch (RuntimeException e) {
      throw new Refused("schema id " + id + " in the schema registry at " + url + " is not an Avro schema: " + e.getMessage(), 200);
    }
    SCHEMAS.put(key, s);
    return s;
  }

  /** Asks the registry for its subjects: throws {@link Unavailable} or {@link Refused} (e.g. credentials) if that fails. */
  public void check() {
    Answer a = call("GET", "/subjects", null);
    if (a.status() / 100 != 2) {
      throw refused("would not list its subjects", a);
    }
  }

  private static String schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private Refused refused(String what, Answer a) {
    String message = a.json().path("message").asText(a.body());
    if (message.length() > 300) {
      message = message.substring(0, 300) + "...";
    }
    String hint = a.status() == 401 || a.status() == 403
        ? " (credentials: " + USER_INFO + " in --kafka-properties)" : "";
    return new Refused("schema registry at " + url + " " + what + ": HTTP " + a.status() + ", " + message + hint, a.status());
  }

  private record Answer(int status, String body) {
    JsonNode json() {
      try {
        return body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
      } catch (IOException e) {
        return JSON.createObjectNode();
      }
    }
  }

  private Answer call(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofMillis(timeoutMs))
        .header("Accept", CONTENT_TYPE + ", application/json");
    if (userInfo != null) {
      b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", CONTENT_TYPE);
    }
    HttpResponse<String> r;
    try {
      r = client().send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unavailable("cannot reach the schema registry at " + url + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while asking the schema registry at " + url, e);
    }
    if (r.statusCode() >= 500) {
      throw new Unavailable("the schema registry at " + url + " failed: HTTP " + r.statusCode() + " on " + method + " "
          + path, null);
    }
    return new Answer(r.statusCode(), r.body() == null ? "" : r.body());
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    if (e instanceof java.net.ConnectException) {
      return "connection refused";
    }
    if (e instanceof java.net.http.HttpTimeoutException) {
      return "no answer within the timeout";
    }
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private synchronized HttpClient client() {
    if (http == null) {
      HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(timeoutMs));
      if (truststore != null) {
        b.sslContext(sslContext());
      }
      http = b.build();
    }
    return http;
  }

  private SSLContext sslContext() {
    try (InputStream in = Files.newInputStream(Path.of(truststore))) {
      char[] password = truststorePassword == null ? null : truststorePassword.toCharArray();
      KeyStore ks = KeyStore.getInstance(truststore.endsWith(".jks") ? "JKS" : "PKCS12");
      ks.load(in, password);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(TRUSTSTORE + " " + truststore + ": cannot read (" + e.getMessage() + ")");
    }
  }
}
