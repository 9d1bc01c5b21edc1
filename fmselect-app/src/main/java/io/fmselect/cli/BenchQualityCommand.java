package io.fmselect.cli;

import io.fmselect.embed.FmEncoder;
import io.fmselect.embed.ModelSpec;
import io.fmselect.io.NpyMatrix;
import io.fmselect.io.NpyReader;
import io.fmselect.quality.Classifier;
import io.fmselect.quality.EncoderCache;
import io.fmselect.quality.Study;
import io.fmselect.quality.StudyData;
import io.fmselect.quality.StudyReport;
import io.fmselect.quality.StudyRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fmselect bench quality}: for a labeled image set, selects subsets with several methods, encoders and
 * fractions, trains a fresh classifier on each subset's images and measures it on the held-out test split,
 * over seeds. With no options it runs the built-in study on Fashion-MNIST (see docs/quality.md).
 */
@Command(name = "quality", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
      "Trains a classifier on the subsets of each method and measures it.",
      "Selects subsets with each method, trains a fresh CNN on each subset's images (DJL, PyTorch, CPU) and"
          + " measures it on the held-out test split, over seeds. Writes results.csv, results.md and plots/*.png"
          + " into --out. Embeddings, subsets and finished cells are kept there: an interrupted run resumes.",
      "Default: the built-in study (Fashion-MNIST clean, 20%% label noise, 10:1 long tail; fractions 0.1 and 0.3;"
          + " 3 seeds; uniform, five baselines on one encoder, RAM-APL on each encoder and on all)."
    })
public final class BenchQualityCommand implements Callable<Integer> {
  @Option(names = "--data", paramLabel = "fashion-mnist|DIR", defaultValue = "fashion-mnist",
      description = "Fashion-MNIST (Debian's dataset-fashion-mnist), or a folder with train/ and test/, each one"
          + " sub-folder per class, or a folder of class folders (every fifth image of a class held out for"
          + " testing) (default: ${DEFAULT-VALUE})")
  String dataSource;

  @Mixin FashionMnistFlags fashionMnist;

  @Option(names = "--image-size", paramLabel = "PX", defaultValue = "32",
      description = "a folder's images are squashed to PX x PX RGB for the classifier (default: ${DEFAULT-VALUE})")
  int imageSize;

  @Mixin EncoderFlags encoder;

  @Option(names = "--encoders", paramLabel = "NAME,...", hideParamSyntax = true, split = ",",
      description = "only these encoders of the models folder (default: all)")
  List<String> encoders;

  @Option(names = "--embeddings", paramLabel = "NAME=FILE",
      description = "instead of encoders: a .npy of embeddings, one row per image of the data in its order (what"
          + " fmselect embed writes for a folder: --data DIR/train, or DIR) or per pool image; repeat per encoder")
  List<String> embeddingFiles;

  @Option(names = "--baseline-encoder", paramLabel = "NAME",
      description = "the encoder the single-model baselines use (default: mobilenet-v2 when present, else the first)")
  String baseline;

  @Option(names = "--methods", paramLabel = "NAME,...", hideParamSyntax = true, split = ",",
      description = "only arms of these methods (default: uniform, min, moderate-ds, kcenter, graphcut,"
          + " facility-location, ram-apl)")
  List<String> methods;

  @Option(names = "--variants", paramLabel = "NAME,...", hideParamSyntax = true, split = ",", defaultValue = "clean,noise20,tail10",
      description = "the data's variants: clean, noiseP (P%% symmetric label noise), tailK (long tail, K to 1)"
          + " (default: ${DEFAULT-VALUE})")
  List<String> variants;

  @Option(names = "--fractions", paramLabel = "R,...", hideParamSyntax = true, split = ",", defaultValue = "0.1,0.3",
      description = "shares of each class kept (default: ${DEFAULT-VALUE})")
  List<Double> fractions;

  @Mixin TrainingFlags training;

  @Option(names = "--wide", description = "also every baseline on every encoder and RAM-APL on every pair, and"
      + " fraction 0.5")
  boolean wide;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "fmselect-quality",
      description = "output and cache folder (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--threads", paramLabel = "N", description = "selection and embedding threads (default: cores)")
  Integer threads;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter say = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    long started = System.nanoTime();
    List<Long> seeds = training.seeds;
    int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    List<Study.Variant> vs = new ArrayList<>();
    Classifier.Recipe recipe;
    try {
      for (String v : variants) {
        vs.add(Study.Variant.parse(v));
      }
      recipe = Classifier.Recipe.DEFAULT.withSteps(training.steps);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    List<Double> fs = new ArrayList<>(fractions);
    if (wide && !fs.contains(0.5)) {
      fs.add(0.5);
    }
    for (double f : fs) {
      if (!(f > 0 && f < 1)) {
        throw new UserError("--fractions must be in (0, 1), got " + f);
      }
    }
    if (seeds.isEmpty() || seeds.stream().distinct().count() != seeds.size()) {
      throw new UserError("--seeds must be distinct");
    }
    StudyData data;
    try {
      data = dataSource.equals("fashion-mnist")
          ? StudyData.fashionMnist(io.fmselect.demo.DemoData.fashionMnistDir(), fashionMnist.pool, fashionMnist.test)
          : StudyData.folder(Path.of(dataSource), imageSize);
    } catch (IllegalArgumentException e) {
      throw new UserError("--data " + dataSource + ": " + e.getMessage());
    }
    say.println("data: " + data.name());
    say.flush();
    Files.createDirectories(out);

    long embedStart = System.nanoTime();
    Map<String, float[][]> emb = embeddingFiles != null ? readEmbeddings(data) : encode(data, nThreads, say, err);
    double embedSeconds = (System.nanoTime() - embedStart) / 1e9;
    List<String> names = new ArrayList<>(emb.keySet());
    String base = baseline != null ? baseline : names.contains("mobilenet-v2") ? "mobilenet-v2" : names.get(0);
    if (!names.contains(base)) {
      throw new UserError("--baseline-encoder " + base + ": not one of " + String.join(", ", names));
    }
    List<Study.Arm> arms = new ArrayList<>();
    for (Study.Arm a : Study.builtInArms(names, base, wide)) {
      if (methods == null || methods.contains(a.method())) {
        arms.add(a);
      }
    }
    if (methods != null) {
      for (String m : methods) {
        if (arms.stream().noneMatch(a -> a.method().equals(m))) {
          throw new UserError("--methods: unknown method '" + m + "' (expected some of "
              + String.join(", ", io.fmselect.select.Methods.NAMES) + ")");
        }
      }
    }
    Study study = new Study(vs, fs, arms, seeds, recipe);
    StudyRunner runner = new StudyRunner(data, emb, study, out, nThreads);
    say.printf(Locale.ROOT, "study: %d variants x %d fractions x %d arms x %d seeds, plus the full pool: %d cells; %s%n",
        vs.size(), fs.size(), arms.size(), seeds.size(), study.cells().size(), recipe.describe());
    say.flush();
    List<StudyRunner.Result> results;
    try {
      results = runner.run(StudyRunner.console(err));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    double total = (System.nanoTime() - started) / 1e9;
    double cellSeconds = results.stream().mapToDouble(StudyRunner.Result::seconds).sum();
    List<String> header = List.of(
        "## " + data.name(),
        "",
        String.format(Locale.ROOT, "- Encoders: %s (embeddings %s); the single-model baselines use %s.",
            String.join(", ", names), embeddingFiles != null ? "from .npy files" : "computed in " + BenchFigures.secs(embedSeconds)
                + " this run, or read from the cache", base),
        "- Classifier: " + recipe.describe() + ", trained from scratch on each subset's images; accuracy on "
            + String.format(Locale.ROOT, "%,d", data.test().count()) + " held-out test images.",
        String.format(Locale.ROOT, "- %d cells (seeds %s); training time summed over cells %s (%s per cell, median);"
            + " this run trained %d of them and took %s.", results.size(), seeds.toString().replaceAll("[\\[\\] ]", ""),
            BenchFigures.secs(cellSeconds), BenchFigures.secs(BenchFigures.median(results.stream().mapToDouble(StudyRunner.Result::seconds).toArray())),
            runner.trained(), BenchFigures.secs(total)),
        "- Command: `fmselect " + String.join(" ", spec.commandLine().getParseResult().originalArgs()) + "`");
    StudyReport.write(out, study, results, header);
    say.printf(Locale.ROOT, "done in %s: %s, %s, %s%n", BenchFigures.secs(total), runner.resultsFile(), out.resolve("results.md"),
        out.resolve("plots"));
    say.flush();
    return 0;
  }

  private Map<String, float[][]> encode(StudyData data, int nThreads, PrintWriter say, PrintWriter err)
      throws IOException {
    DemoModels.Choice choice = DemoModels.pretrained(encoder.dir(), encoder.inputSize, out,
        spec.root().commandLine(), say, "--models or --embeddings");
    List<ModelSpec> all = ModelSpec.loadAll(choice.dir());
    List<ModelSpec> specs = all;
    if (encoders != null) {
      List<ModelSpec> only = new ArrayList<>();
      for (String e : encoders) {
        only.add(all.stream().filter(s -> s.name().equals(e)).findFirst().orElseThrow(() -> new UserError(
            "--encoders " + e + ": no such encoder in " + choice.dir() + " (have "
                + String.join(", ", all.stream().map(ModelSpec::name).toList()) + ")")));
      }
      specs = only;
    }
    say.println(choice.description());
    say.flush();
    try {
      return EncoderCache.embeddings(data, specs, out.resolve("cache").resolve(data.key()).resolve("embeddings"),
          nThreads, err);
    } catch (FmEncoder.ModelException e) {
      throw new UserError(e.getMessage());
    }
  }

  private Map<String, float[][]> readEmbeddings(StudyData data) throws IOException {
    Map<String, float[][]> out = new LinkedHashMap<>();
    for (String nf : embeddingFiles) {
      int eq = nf.indexOf('=');
      if (eq <= 0) {
        throw new UserError("--embeddings " + nf + ": expected NAME=FILE");
      }
      Path file = Path.of(nf.substring(eq + 1));
      NpyMatrix m;
      try {
        m = NpyReader.mapFeatures(file);
      } catch (io.fmselect.io.NpyFormatException | java.nio.file.NoSuchFileException e) {
        throw new UserError("--embeddings " + file + ": " + e.getMessage());
      }
      // one row per image of the source, in its order (what fmselect embed writes for the folder), or per pool image
      boolean whole = m.rows() == data.sourceRowCount();
      if (!whole && m.rows() != data.pool().count()) {
        throw new UserError("--embeddings " + file + ": " + m.rows() + " rows; expected one per image of the data ("
            + data.sourceRowCount() + ") or of the pool (" + data.pool().count() + ")");
      }
      float[][] rows = new float[data.pool().count()][m.dim()];
      for (int i = 0; i < rows.length; i++) {
        m.copyRowAsFloat(whole ? data.sourceRows()[i] : i, rows[i]);
      }
      out.put(nf.substring(0, eq), rows);
    }
    return out;
  }
}
