package io.fmselect.cli;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Before a command starts anything long, one question to the brokers: can they be reached, will they let
 * the client in, and does the topic exist? Each failure is one line ({@link UserError}), within the
 * command's {@link BrokerTimeout}. {@link
 * #failure} words a client's failure the same way for every Kafka command.
 */
final class KafkaCheck {
  private KafkaCheck() {}

  /** Throws a one-line UserError unless {@code topic} exists on the brokers of {@code kafka}. */
  static void requireTopic(Properties kafka, String topic, String role, Duration timeout) {
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
      if (c instanceof AuthenticationException a) {
        throw failure(servers, a);
      }
      if (c instanceof UnknownTopicOrPartitionException) {
        throw new UserError(role + " topic '" + topic + "' does not exist on " + servers);
      }
      if (c instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw new UserError(BrokerTimeout.unreachable(servers, timeout));
      }
      throw new UserError("Kafka at " + servers + ": " + c.getClass().getSimpleName() + ": " + masked(c.getMessage()));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new UserError(BrokerTimeout.unreachable(servers, timeout));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while asking Kafka at " + servers);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw failure(servers, e);
    }
  }

  /**
   * A Kafka client's failure as one line. The brokers refusing the client (a failed SASL login, a failed TLS
   * handshake) is "authentication failed on SERVERS: cause"; anything else is "Kafka at SERVERS: message", with
   * the root cause when it says more (a client that cannot be built says why: a truststore that cannot be
   * read, a JAAS config that does not parse). Password values a message might quote are masked.
   */
  static UserError failure(String servers, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AuthenticationException) {
        return new UserError("authentication failed on " + servers + ": " + withRootCause(t));
      }
    }
    return new UserError("Kafka at " + servers + ": " + withRootCause(e));
  }

  /**
   * The message of {@code t}; then that of the deepest Kafka exception in its causes (what the client was
   * doing: "Failed to load SSL keystore ..."), then, in parentheses, that of the cause below it (why:
   * "keystore password was incorrect"), without the exception names such a message quotes.
   */
  private static String withRootCause(Throwable t) {
    Throwable kafka = t;
    for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getClass().getName().startsWith("org.apache.kafka.")) {
        kafka = c;
      }
    }
    String msg = message(t);
    if (kafka != t && !msg.contains(message(kafka))) {
      msg += ": " + message(kafka);
    }
    Throwable why = kafka.getCause();
    if (why != null && why != kafka) {
      String detail = message(why).replaceFirst("^.*\\b[\\w$.]+(Exception|Error): ", "");
      if (!msg.contains(detail)) {
        msg += " (" + detail + ")";
      }
    }
    return masked(msg.replace('\n', ' '));
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** A message with every {@code password=...} value (JAAS options, SCRAM specs) replaced by [hidden]. */
  static String masked(String message) {
    return message == null ? null
        : message.replaceAll("(?i)(password\\s*=\\s*)(\"[^\"]*\"|[^,;\\]\\s]*)", "$1[hidden]");
  }
}
