package io.fmselect.cli;

import io.fmselect.embed.BatchEmbed;
import io.fmselect.embed.FmEncoder;
import io.fmselect.embed.ImageFolder;
import io.fmselect.embed.ModelService;
import io.fmselect.embed.ModelSpec;
import io.fmselect.embed.Preprocessor;
import io.fmselect.io.AtomicFile;
import io.fmselect.io.NpyWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fmselect embed}: embeddings of an image folder under every FM of a models folder, through the
 * same preprocessing and encoders the stream uses; the output feeds {@code select} and {@code produce}.
 */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Embeds every image of an image folder with every FM of a models folder.",
      "The image folder has one sub-folder per class, the models folder one spec file NAME.yaml per FM. Writes"
          + " PREFIX<fm>.npy per FM (float32, one row per image), PREFIXlabels.npy (int64: the class folder's"
          + " position in name order), PREFIXclasses.txt and PREFIXfiles.txt (the image of each row). Nothing is"
          + " written unless every image and model works."
    })
public final class EmbedCommand implements Callable<Integer> {
  @Option(names = "--models", required = true, paramLabel = "DIR", description = "folder of FM spec files (*.yaml)")
  Path models;

  @Option(names = "--images", required = true, paramLabel = "DIR", description = "image folder: one sub-folder per class")
  Path images;

  @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "output prefix, e.g. target/emb/")
  String out;

  @Option(names = "--threads", paramLabel = "N", description = "threads per inference (default: all cores)")
  Integer threads;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (out.equals(io.fmselect.io.OutputTarget.STDOUT_NAME)) {
      throw new UserError("--out -: embed writes several files (PREFIX<fm>.npy, PREFIXlabels.npy, ...), so it needs a"
          + " folder or prefix, not standard output");
    }
    List<ModelSpec> specs = specs(models);
    ImageFolder folder;
    try {
      folder = ImageFolder.scan(images);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    List<Path> targets = new ArrayList<>();
    for (ModelSpec s : specs) {
      targets.add(Path.of(out + s.name() + ".npy"));
    }
    for (String extra : List.of("labels.npy", "classes.txt", "files.txt")) {
      targets.add(Path.of(out + extra));
    }
    for (Path t : targets) {
      OutputFiles.checkWritable(t, "--out");
    }
    int n = folder.images().size();
    int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    float[][][] result = embedAll(specs, folder.images(), nThreads);
    try (AtomicFile.Batch b = new AtomicFile.Batch()) {
      for (int f = 0; f < specs.size(); f++) {
        float[][] rows = result[f];
        b.add(targets.get(f), NpyWriter.float32(rows));
      }
      b.add(targets.get(specs.size()), NpyWriter.int64(folder.labels()));
      b.add(targets.get(specs.size() + 1), o -> o.write(lines(folder.classes())));
      List<String> files = folder.images().stream().map(p -> images.relativize(p).toString()).toList();
      b.add(targets.get(specs.size() + 2), o -> o.write(lines(files)));
      b.commit();
    }
    spec.commandLine().getOut().printf("embedded %d images of %d classes with %d FMs (%s) to %s*%n", n,
        folder.classes().size(), specs.size(), String.join(", ", specs.stream().map(ModelSpec::name).toList()), out);
    return 0;
  }

  private static byte[] lines(List<String> l) {
    return (String.join("\n", l) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  static List<ModelSpec> specs(Path dir) throws IOException {
    try {
      return ModelSpec.loadAll(dir);
    } catch (IllegalArgumentException e) {
      throw new UserError("--models " + e.getMessage());
    }
  }

  private static Preprocessor.Rgb decode(Path f) {
    try {
      return Preprocessor.decode(Files.readAllBytes(f));
    } catch (Preprocessor.BadImageException e) {
      throw new UserError(f + ": " + e.getMessage());
    } catch (IOException e) {
      throw new UserError(f + ": cannot read: " + e.getMessage());
    }
  }

  /** The models of {@code specs}, opened and checked on a blank image; a model that fails is one line. */
  static ModelService openModels(List<ModelSpec> specs, int workersPerFm, int intraOpThreads) {
    try {
      return ModelService.acquire(specs, workersPerFm, intraOpThreads);
    } catch (FmEncoder.ModelException e) {
      throw new UserError(e.getMessage());
    }
  }

  /**
   * Every image's embedding under every FM ({@code [fm][image]}), through the stream's path
   * ({@link BatchEmbed}); a model or image that fails is one line.
   */
  static float[][][] embedAll(List<ModelSpec> specs, List<Path> files, int threads) {
    ModelService service = openModels(specs, 1, threads);
    try {
      return BatchEmbed.embedAll(service, files.size(), i -> decode(files.get(i)), threads, done -> { });
    } catch (FmEncoder.ModelException e) {
      throw new UserError(e.getMessage());
    } finally {
      ModelService.release(service);
    }
  }
}
