package io.fmselect.cli;

import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.util.NetUtils;

/**
 * The port of a local Flink's REST endpoint (its web UI). Two jobs on one machine must not fight over
 * it: the web UI binds the first free port of {@code rest.bind-port} (a range such as 8081-8099, from
 * flink-conf/config.yaml; Flink's endpoint takes the first it can bind, so two jobs started at once do
 * not collide), and a job without a web UI binds any free port. Which port a job got is then found by
 * asking each port of the range for the job's id.
 */
final class LocalPorts {
  private LocalPorts() {}

  /** Sets {@code rest.bind-port} of a local job: the configured range, or any port without a web UI. */
  static void webUi(Configuration conf, boolean webUi) {
    if (!webUi) {
      conf.set(RestOptions.BIND_PORT, "0");
      return;
    }
    String range = range(conf);
    try {
      NetUtils.getPortRangeFromString(range);
    } catch (RuntimeException e) {
      throw new UserError("rest.bind-port: '" + range + "' is not a port or a range such as 8081-8099");
    }
    conf.set(RestOptions.BIND_PORT, range);
  }

  static String range(Configuration conf) {
    return conf.getOptional(RestOptions.BIND_PORT).orElse(String.valueOf(conf.get(RestOptions.PORT)));
  }

  /** The web UI's URL that serves this job, once it answers (empty if none does within the timeout). */
  static Optional<String> webUiUrl(Configuration conf, JobID job, Duration timeout) throws InterruptedException {
    String host = conf.get(RestOptions.ADDRESS, "127.0.0.1");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (Iterator<Integer> ports = NetUtils.getPortRangeFromString(range(conf)); ports.hasNext(); ) {
        String url = "http://" + host + ":" + ports.next();
        try {
          if (new FlinkRest(url, null).text("/jobs").contains("\"" + job + "\"")) {
            return Optional.of(url);
          }
        } catch (java.io.IOException e) {
          // nothing there, or another program: try the next port
        }
      }
      Thread.sleep(200);
    }
    return Optional.empty();
  }
}
