package io.fmselect.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Reads a running job's metrics through Flink's REST API (what the web UI shows): an operator's metric
 * summed over its subtasks, the operator found by its name inside the job's chained vertices.
 */
final class FlinkRest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private final String url;
  private final String job;
  /** Operator name to the id of the vertex that runs it. */
  private final Map<String, String> vertices = new HashMap<>();

  /** The REST API at {@code url} (the web UI's address), for one job (null: no job's metrics). */
  FlinkRest(String url, String job) {
    this.url = url;
    this.job = job;
  }

  /** The REST API's answer to GET {@code path}, as JSON; an IOException unless it answers 200. */
  JsonNode get(String path) throws IOException, InterruptedException {
    return JSON.readTree(text(path));
  }

  /** The same, as text (the log files the web UI shows, say). */
  String text(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(2))
        .build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + path + ": HTTP " + r.statusCode());
    }
    return r.body();
  }

  /** The job's vertex names, as the web UI shows them (operators chained with " -> "). */
  java.util.List<String> vertexNames() throws IOException, InterruptedException {
    java.util.List<String> names = new java.util.ArrayList<>();
    for (JsonNode v : get("/jobs/" + job).path("vertices")) {
      names.add(v.path("name").asText());
    }
    return names;
  }

  /** An operator's metric summed over its subtasks; empty while the job has not reported it yet. */
  OptionalDouble metric(String operator, String metric) throws IOException, InterruptedException {
    String vertex = vertices.get(operator);
    if (vertex == null) {
      for (JsonNode v : get("/jobs/" + job).path("vertices")) {
        for (String part : v.path("name").asText().split(" -> |\\(|\\)|, ")) {
          String name = part.strip().replaceFirst("^Source: ", "");
          vertices.putIfAbsent(name, v.path("id").asText());
        }
      }
      vertex = vertices.get(operator);
      if (vertex == null) {
        return OptionalDouble.empty();
      }
    }
    String id = URLEncoder.encode(operator + "." + metric, StandardCharsets.UTF_8);
    JsonNode r = get("/jobs/" + job + "/vertices/" + vertex + "/subtasks/metrics?get=" + id + "&agg=sum");
    return r.isArray() && !r.isEmpty() && r.get(0).has("sum") ? OptionalDouble.of(r.get(0).path("sum").asDouble())
        : OptionalDouble.empty();
  }
}
