package io.fmselect.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fmselect demo}: generates a small example and runs RAM-APL on it, end to end. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Generates a small labeled example (2,000 rows, 10 classes, two feature sets) and selects 10%%",
      "of it with RAM-APL, printing what it did and where the files are."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dir", paramLabel = "DIR", defaultValue = "target/demo", description = "working directory (default target/demo)")
  Path dir;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    CommandLine root = spec.root().commandLine();
    Files.createDirectories(dir);
    String d = dir.toString();
    int rc = root.execute("generate", "--out-dir", d, "--rows", "2000", "--classes", "10", "--dims", "64,32",
        "--names", "fm1,fm2", "--flip", "0.05", "--seed", "1");
    if (rc != 0) {
      return rc;
    }
    rc = root.execute("select", "--method", "ram-apl", "--fraction", "0.1", "--labels", d + "/labels.npy",
        "--features", "fm1=" + d + "/fm1.npy", "--features", "fm2=" + d + "/fm2.npy",
        "--out", d + "/selected.txt", "--scores", d + "/scores.csv");
    if (rc != 0) {
      return rc;
    }
    List<String> selected = Files.readAllLines(dir.resolve("selected.txt"));
    List<String> scores = Files.readAllLines(dir.resolve("scores.csv"));
    long noisy = scores.stream().skip(1).filter(l -> !l.split(",")[3].equals("0.0")).count();
    var out = spec.commandLine().getOut();
    out.printf("generated %s/{labels,fm1,fm2}.npy: 2000 rows, 10 classes, feature sets of 64 and 32 dims%n", d);
    out.printf("ram-apl kept %d rows (10%% of each class) -> %s/selected.txt%n", selected.size(), d);
    out.printf("%d rows have APL > 0 (some FM's nearest centroid disagrees with the label); figures -> %s/scores.csv%n",
        noisy, d);
    out.printf("next: fmselect select --help%n");
    out.flush();
    return 0;
  }
}
