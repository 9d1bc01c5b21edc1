package io.fmselect.cli;

import io.fmselect.io.ExampleData;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fmselect generate}: synthetic labeled embeddings as .npy files. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes synthetic labeled embeddings: labels.npy (int64) and one NAME.npy (float32) per feature set.",
      "Each class has a random center per feature set; rows are center + Gaussian noise; --flip of the labels are"
          + " wrong. The same arguments always give the same files. It prints one line per file written."
    })
public final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--out-dir", paramLabel = "DIR", required = true, description = "directory to write (created if missing)")
  Path outDir;

  @Option(names = "--rows", paramLabel = "N", defaultValue = "2000", description = "number of rows (default: ${DEFAULT-VALUE})")
  int rows;

  @Option(names = "--classes", paramLabel = "C", defaultValue = "10", description = "number of classes (default: ${DEFAULT-VALUE})")
  int classes;

  @Option(names = "--dims", paramLabel = "D,...", hideParamSyntax = true, split = ",", defaultValue = "64,32",
      description = "dimension of each feature set, comma-separated (default: ${DEFAULT-VALUE})")
  List<Integer> dims;

  @Option(names = "--names", paramLabel = "NAME,...", hideParamSyntax = true, split = ",", defaultValue = "fm1,fm2",
      description = "file name of each feature set, comma-separated (default: ${DEFAULT-VALUE})")
  List<String> names;

  @Option(names = "--noise", paramLabel = "SD", defaultValue = "1.0", description = "noise standard deviation (default: ${DEFAULT-VALUE})")
  double noise;

  @Option(names = "--flip", paramLabel = "P", defaultValue = "0.05", description = "fraction of wrong labels (default: ${DEFAULT-VALUE})")
  double flip;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "seed (default: ${DEFAULT-VALUE})")
  long seed;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (rows < 1 || classes < 1) {
      throw new UserError("--rows and --classes must be at least 1");
    }
    if (dims.size() != names.size()) {
      throw new UserError("--dims has " + dims.size() + " entries but --names has " + names.size());
    }
    for (int d : dims) {
      if (d < 1) {
        throw new UserError("--dims entries must be at least 1, got " + d);
      }
    }
    if (!(flip >= 0 && flip <= 1) || !(noise >= 0)) {
      throw new UserError("--flip must be in [0, 1] and --noise at least 0");
    }
    if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
      throw new UserError("--out-dir " + outDir + " exists and is not a directory");
    }
    Files.createDirectories(outDir);
    ExampleData.write(outDir, rows, classes, dims.stream().mapToInt(Integer::intValue).toArray(),
        names.toArray(String[]::new), noise, flip, seed);
    // what was written, one line per file (the data is in files: stdout carries nothing else)
    PrintWriter out = spec.commandLine().getOut();
    String flipped = java.math.BigDecimal.valueOf(flip).movePointRight(2).stripTrailingZeros().toPlainString();
    out.printf("%s: %d int64 labels of %d classes (%s%% flipped)%n", outDir.resolve("labels.npy"), rows, classes, flipped);
    for (int f = 0; f < names.size(); f++) {
      out.printf("%s: %d x %d float32%n", outDir.resolve(names.get(f) + ".npy"), rows, dims.get(f));
    }
    out.flush();
    return 0;
  }
}
