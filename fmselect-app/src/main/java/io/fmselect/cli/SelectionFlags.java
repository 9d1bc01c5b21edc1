package io.fmselect.cli;

import io.fmselect.select.Budget;
import io.fmselect.select.Methods;
import io.fmselect.stream.StreamOptions;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/**
 * {@code --method} and {@code --fraction} of the commands that run the pipeline for you ({@code demo},
 * {@code bench continual}): one block, its defaults the job's own ({@link Methods#DEFAULT},
 * {@link StreamOptions#DEFAULT_FRACTION}).
 */
final class SelectionFlags {
  @Option(names = "--method", paramLabel = "NAME", defaultValue = Methods.DEFAULT,
      description = "selection method (default: ${DEFAULT-VALUE})")
  String method;

  @Option(names = "--fraction", paramLabel = "R", defaultValue = "" + StreamOptions.DEFAULT_FRACTION,
      description = "share of each class kept, in " + Budget.FRACTION_RANGE + " (default: ${DEFAULT-VALUE})")
  double fraction;

  /** Checks both (a {@link UserError} naming the flag). */
  SelectionFlags check() {
    try {
      Budget.checkFraction("--fraction", fraction);
      Methods.create(method, Methods.Params.defaults());
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    return this;
  }

  /** The job's options these set. */
  void setIn(Configuration conf) {
    conf.set(StreamOptions.METHOD, method);
    conf.set(StreamOptions.FRACTION, fraction);
  }
}
