package io.fmselect.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** {@code --seeds} and {@code --steps} of the benchmarks that train a classifier ({@code bench quality}, {@code bench continual}). */
final class TrainingFlags {
  @Option(names = "--seeds", paramLabel = "N,...", hideParamSyntax = true, split = ",", defaultValue = "1,2,3",
      description = "seeds, one run each (default: ${DEFAULT-VALUE})")
  List<Long> seeds;

  @Option(names = "--steps", paramLabel = "N", defaultValue = "600",
      description = "optimizer steps per training, of batch 64 (default: ${DEFAULT-VALUE})")
  int steps;
}
