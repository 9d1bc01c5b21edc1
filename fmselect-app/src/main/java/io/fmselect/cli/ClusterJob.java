package io.fmselect.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;

/**
 * Main class of the job jar ({@code target/fmselect-job.jar}) for a Flink cluster:
 * {@code flink run fmselect-job.jar --bootstrap-servers H:P --fm NAME=DIM ...}, or the REST API's
 * jar upload and run. It takes the flags of {@code fmselect run} (the cluster's configuration replaces
 * flink-conf/config.yaml, {@code -D} adds to it), submits the job to the cluster it runs in and
 * returns. It never calls System.exit (it may run inside the JobManager): a bad flag is an exception
 * with the one-line message.
 */
public final class ClusterJob {
  private ClusterJob() {}

  public static void main(String[] args) {
    String[] all = new String[args.length + 1];
    all[0] = "--in-cluster";
    System.arraycopy(args, 0, all, 1, args.length);
    StringWriter err = new StringWriter();
    // only the run command: the others need classes (the Kafka broker's) that the job jar leaves out
    var cl = Main.withErrorHandling(new picocli.CommandLine(new RunCommand()));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(all);
    if (code != 0) {
      throw new IllegalArgumentException(err.toString().strip().lines().findFirst()
          .orElse("fmselect run: exit code " + code + " for " + Arrays.toString(args)));
    }
  }
}
