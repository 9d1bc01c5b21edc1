package io.fmselect.cli;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Before a command starts anything long, one question to the brokers: can they be reached, and does the
 * topic exist? Either failure is one line ({@link UserError}), within the client's timeout: the
 * {@code default.api.timeout.ms} of the client properties, else 30 s.
 */
final class KafkaCheck {
  private KafkaCheck() {}

  static final long DEFAULT_TIMEOUT_MS = 30_000;

  /** The timeout the check waits: the client's default.api.timeout.ms if set, else 30 s. */
  static Duration timeout(Properties kafka) {
    String t = kafka.getProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
    try {
      return Duration.ofMillis(t == null ? DEFAULT_TIMEOUT_MS : Long.parseLong(t.trim()));
    } catch (NumberFormatException e) {
      throw new UserError(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG + " must be a number of ms, got '" + t + "'");
    }
  }

  /** Throws a one-line UserError unless {@code topic} exists on the brokers of {@code kafka}. */
  static void requireTopic(Properties kafka, String topic, String role) {
    Duration timeout = timeout(kafka);
    Properties p = new Properties();
    p.putAll(kafka);
    p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
    String servers = kafka.getProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
    try (Admin admin = Admin.create(p)) {
      admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs((int) timeout.toMillis()))
          .allTopicNames().get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof UnknownTopicOrPartitionException) {
        throw new UserError(role + " topic '" + topic + "' does not exist on " + servers);
      }
      if (c instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw new UserError("cannot reach Kafka at " + servers + " within " + timeout.toSeconds() + " s"
            + " (default.api.timeout.ms)");
      }
      throw new UserError("Kafka at " + servers + ": " + c.getClass().getSimpleName() + ": " + c.getMessage());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new UserError("cannot reach Kafka at " + servers + " within " + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while asking Kafka at " + servers);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new UserError("Kafka at " + servers + ": " + e.getMessage());
    }
  }
}
