package io.fmselect.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A schema registry behind HTTP basic auth, as a reverse proxy puts one: requests that carry the one accepted
 * {@code USER:PASSWORD} go on to the real registry at {@code upstream} (method, body and content type), the rest
 * are answered 401.
 * Apicurio's own authentication needs an identity server; this gate is how the tests see credentials sent.
 * It listens on a given port, so that a test can start it late (an outage the reader must survive).
 */
final class BasicAuthGate implements AutoCloseable {
  private final HttpServer server;
  private final String path;

  private BasicAuthGate(HttpServer server, String path) {
    this.server = server;
    this.path = path;
  }

  /** Starts the gate on 127.0.0.1:{@code port} (0: a free one) in front of {@code upstream} (a base URL). */
  static BasicAuthGate start(int port, String upstream, String userInfo) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    String expected = "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    String prefix = URI.create(upstream).getPath();
    HttpClient http = HttpClient.newHttpClient();
    s.createContext("/", exchange -> {
      try (exchange) {
        int status;
        byte[] body;
        if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
          status = 401;
          body = "{\"error_code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
        } else {
          String path = exchange.getRequestURI().getRawPath().substring(prefix.length());
          try {
            byte[] sent = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(upstream + path))
                .method(exchange.getRequestMethod(), sent.length == 0 ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(sent));
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type != null) {
              forward.header("Content-Type", type);
            }
            HttpResponse<byte[]> r = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            status = r.statusCode();
            body = r.body();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 503;
            body = new byte[0];
          }
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        }
      }
    });
    s.start();
    return new BasicAuthGate(s, prefix);
  }

  /** The gate's base URL: the registry's API path on the gate's port. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
