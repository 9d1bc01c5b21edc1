package io.fmselect.cli;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Option;

/**
 * How long {@code run} and {@code subset} wait for the brokers before they give up with one line: one flag
 * and one default for both, so that an unreachable broker is reported after the same time. {@code
 * --timeout-s} if given, else the client's {@code default.api.timeout.ms} ({@code --kafka-properties}),
 * else {@value #DEFAULT_SECONDS} s (the Python reader's default too). {@code subset} reads its topics to their
 * end for as long as records keep coming; it gives up after this long without any.
 */
final class BrokerTimeout {
  static final int DEFAULT_SECONDS = 30;

  @Option(names = "--timeout-s", paramLabel = "S",
      description = "give up after S s without an answer or progress from Kafka"
          + " (default: default.api.timeout.ms of --kafka-properties, else " + DEFAULT_SECONDS + ")")
  Integer seconds;

  /** The timeout for a client with these properties. */
  Duration of(Properties kafka) {
    if (seconds != null) {
      if (seconds < 1) {
        throw new UserError("--timeout-s must be at least 1, got " + seconds);
      }
      return Duration.ofSeconds(seconds);
    }
    String t = kafka.getProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
    try {
      return t == null ? Duration.ofSeconds(DEFAULT_SECONDS) : Duration.ofMillis(Long.parseLong(t.trim()));
    } catch (NumberFormatException e) {
      throw new UserError(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG + " must be a number of ms, got '" + t + "'");
    }
  }

  /** The words for a broker that did not answer in time, the same for every command. */
  static String unreachable(String servers, Duration timeout) {
    return "cannot reach Kafka at " + servers + " within " + seconds(timeout) + " (--timeout-s)";
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
