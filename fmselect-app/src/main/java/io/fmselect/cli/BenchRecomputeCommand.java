package io.fmselect.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fmselect bench-recompute}: the class-selection stage's window work after a small change,
 * incremental against full, on the same state (see {@link RecomputeBench}).
 */
@Command(name = "bench-recompute", hidden = true, mixinStandardHelpOptions = true, sortOptions = false,
    description = "Times a window recompute after a small change, incremental against full, on the same state.")
public final class BenchRecomputeCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "100000", paramLabel = "N",
      description = "samples in the state before the first window (default: ${DEFAULT-VALUE})") int rows;

  @Option(names = "--classes", defaultValue = "100", paramLabel = "C",
      description = "classes (default: ${DEFAULT-VALUE})") int classes;

  @Option(names = "--dim", defaultValue = "512", paramLabel = "D", description = "embedding dimension per FM, of two (default: ${DEFAULT-VALUE})") int dim;

  @Option(names = "--changed", defaultValue = "0.01", paramLabel = "F", description = "new samples per window, as a fraction of the members (default: ${DEFAULT-VALUE})")
  double changed;

  @Option(names = "--windows", defaultValue = "9", paramLabel = "W",
      description = "windows, counted ones and warm-up (default: ${DEFAULT-VALUE})") int windows;

  @Option(names = "--warmup", defaultValue = "3", paramLabel = "W", description = "first windows not counted (default: ${DEFAULT-VALUE})") int warmup;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (rows < 1 || classes < 1 || dim < 1 || !(changed > 0 && changed <= 1) || windows <= warmup || warmup < 0) {
      throw new UserError("need --rows, --classes, --dim >= 1, --changed in (0, 1] and --windows > --warmup >= 0");
    }
    var out = spec.commandLine().getOut();
    List<RecomputeBench.Window> ws = RecomputeBench.run(rows, classes, dim, changed, windows, 1, null);
    double[] inc = new double[windows - warmup];
    double[] full = new double[windows - warmup];
    for (int w = 0; w < ws.size(); w++) {
      RecomputeBench.Window x = ws.get(w);
      out.printf("window %d: %d members, %d new: incremental %.1f ms, full %.1f ms%s%n", w + 1, x.members(), x.changed(),
          x.incrementalNanos() / 1e6, x.fullNanos() / 1e6, w < warmup ? " (warm-up)" : "");
      if (w >= warmup) {
        inc[w - warmup] = x.incrementalNanos() / 1e6;
        full[w - warmup] = x.fullNanos() / 1e6;
      }
    }
    double mi = BenchFigures.median(inc);
    double mf = BenchFigures.median(full);
    out.printf("median incremental %.1f ms, full %.1f ms: incremental/full %.3f%n", mi, mf, mi / mf);
    out.flush();
    return 0;
  }

}
