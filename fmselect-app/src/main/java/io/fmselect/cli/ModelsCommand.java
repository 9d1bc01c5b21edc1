package io.fmselect.cli;

import io.fmselect.embed.FmEncoder;
import io.fmselect.models.NsfwjsModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fmselect models}: pretrained FMs ready to use. */
@Command(name = "models", mixinStandardHelpOptions = true, subcommands = ModelsCommand.Pull.class,
    description = "Makes pretrained FMs: 'models pull' converts nsfwjs's CNNs to ONNX FMs.")
public final class ModelsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (pull)");
  }

  /** An I/O failure in one line: file-system errors carry only the path as their message. */
  static String describe(IOException e) {
    if (e instanceof java.nio.file.FileSystemException f) {
      return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : e.getClass().getSimpleName()
          .replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT));
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** {@code fmselect models pull}. */
  @Command(name = "pull", mixinStandardHelpOptions = true, sortOptions = false,
      description = {
        "Fetches the npm package nsfwjs 4.4.0 and converts its three CNNs to ONNX FMs.",
        "The package (MIT license) comes from npm pack. Its TensorFlow.js CNNs, fine-tuned from ImageNet for a"
            + " 5-class content classifier, are cut at their pooled features: mobilenet-v2 (1280-d, 224 px),"
            + " mobilenet-v2-140 (1792-d, 224 px), inception-v3 (2048-d, 299 px). Writes OUT/NAME.onnx and"
            + " OUT/NAME.yaml (its spec file) per model, once every model converted and ran in ONNX Runtime. Needs"
            + " npm, unless --tarball is given."
      })
  public static final class Pull implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "models", paramLabel = "DIR", description = "models folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--tarball", paramLabel = "FILE", description = "the package tarball (" + NsfwjsModels.TARBALL
        + ", from 'npm pack nsfwjs@4.4.0') instead of fetching it")
    Path tarball;

    @Option(names = "--model", paramLabel = "NAME", description = "only this model; repeat (default: all three)")
    List<String> only;

    @Option(names = "--input-size", paramLabel = "PX",
        description = "resize and crop inputs to PX x PX (default: each model's own, 224 or 299; 75 to 1024"
            + " works, the pooling is global; see docs/models.md for what smaller sizes cost)")
    Integer inputSize;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (inputSize != null && (inputSize < 75 || inputSize > 1024)) {
        throw new UserError("--input-size must be between 75 and 1024 pixels"
            + " (inception-v3 needs 75)");
      }
      List<NsfwjsModels.Model> models = new ArrayList<>();
      try {
        for (String n : only == null ? NsfwjsModels.MODELS.stream().map(NsfwjsModels.Model::name).toList() : only) {
          models.add(NsfwjsModels.model(n));
        }
      } catch (IllegalArgumentException e) {
        throw new UserError("--model: " + e.getMessage());
      }
      if (tarball != null && !Files.isRegularFile(tarball)) {
        throw new UserError("--tarball " + tarball + ": no such file");
      }
      if (Files.exists(out) && !Files.isDirectory(out)) {
        throw new UserError("--out " + out + ": not a directory");
      }
      try {
        Files.createDirectories(out);
      } catch (IOException e) {
        throw new UserError("--out " + out + ": cannot create the directory (" + describe(e) + ")");
      }
      Path tmp = null;
      try {
        Path tgz = tarball;
        if (tgz == null) {
          tmp = Files.createTempDirectory("fmselect-npm-pack");
          try {
            tgz = NsfwjsModels.npmPack(tmp);
          } catch (IOException e) {
            throw new UserError(e.getMessage());
          }
        }
        var summary = spec.commandLine().getOut();
        try {
          NsfwjsModels.pull(tgz, models, out, inputSize, line -> {
            summary.println(line);
            summary.flush();
          });
        } catch (IllegalArgumentException | FmEncoder.ModelException e) {
          throw new UserError(e.getMessage());
        } catch (IOException e) {
          throw new UserError(describe(e));
        }
        return 0;
      } finally {
        if (tmp != null) {
          io.fmselect.embed.Folders.delete(tmp);
        }
      }
    }
  }
}
