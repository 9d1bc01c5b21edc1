package io.fmselect.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fmselect.embed.ModelSpec;
import io.fmselect.embed.TinyEncoder;
import io.fmselect.embed.Folders;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * The encoders the demo runs: the spec files in the models folder (what {@code fmselect models pull}
 * writes, or a user's own), pulled first when the folder has none and npm is there; otherwise three small
 * seeded stand-ins, announced as such. Real encoders get a copy of their specs in the demo's folder with
 * the input size the demo asks for (small source images need no 224 px input).
 */
final class DemoModels {
  /** Under the work folder: the encoders' spec copies the job reads, or the stand-ins written when there are none. */
  static final String SPECS_DIR = "models";
  static final String STAND_INS_DIR = "stand-in-models";

  private DemoModels() {}

  /** The spec folder the job reads, and one line saying what it holds. */
  record Choice(Path dir, String description, String names, boolean standIns) {}

  /**
   * Like {@link #choose} with pulling allowed, for a study that means nothing on stand-ins: without real
   * encoders it is one line saying how to get them ({@code orGive}: the options that would do instead).
   */
  static Choice pretrained(Path models, int inputSize, Path work, CommandLine root, PrintWriter out, String orGive)
      throws IOException {
    Choice c = choose(models, true, inputSize == 0 ? null : inputSize, work, root, out);
    if (c.standIns()) {
      throw new UserError("no encoders in " + models + ": run fmselect models pull (needs npm), or give " + orGive);
    }
    return c;
  }

  /** Whether two paths name one folder (through links too, where both exist). */
  static boolean sameFolder(Path a, Path b) throws IOException {
    if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
      return true;
    }
    return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
  }

  static Choice choose(Path models, boolean pull, Integer inputSize, Path work, CommandLine root, PrintWriter out)
      throws IOException {
    if (sameFolder(work.resolve(SPECS_DIR), models)) { // the demo rewrites WORK/models: never the encoders' own
      throw new UserError("--out " + work + ": its models/ is the encoders' own folder (" + models
          + "), which the demo would overwrite; choose another --out");
    }
    if (!hasSpecs(models) && pull && onPath("npm")) {
      out.printf("models: none in %s; pulling the pretrained encoders (fmselect models pull, once) ...%n", models);
      out.flush();
      if (root.execute("models", "pull", "--out", models.toString()) != 0) {
        out.println("models: the pull failed (above); going on with stand-ins");
      }
    }
    if (!hasSpecs(models)) {
      return standIns(work.resolve(STAND_INS_DIR), models);
    }
    List<ModelSpec> specs;
    try {
      specs = ModelSpec.loadAll(models);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    Path dir = work.resolve(SPECS_DIR);
    Folders.recreate(dir);
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    StringBuilder names = new StringBuilder();
    for (ModelSpec s : specs) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = yaml.readValue(s.file().toFile(), LinkedHashMap.class);
      m.put("model", s.model().toAbsolutePath().toString());
      int size = inputSize == null ? s.inputSize() : inputSize;
      m.put("input_size", size);
      m.put("resize", inputSize == null ? s.resize() : size);
      yaml.writeValue(dir.resolve(s.name() + ".yaml").toFile(), m);
      names.append(names.isEmpty() ? "" : ", ").append(s.name()).append(" (").append(s.dimension()).append("-d, ")
          .append(size).append(" px)");
    }
    return new Choice(dir, "models: " + names + " from " + models, names.toString(), false);
  }

  private static Choice standIns(Path dir, Path models) throws IOException {
    Folders.recreate(dir);
    int[][] shapes = {{16, 64}, {24, 96}, {32, 128}};
    StringBuilder names = new StringBuilder();
    for (int i = 0; i < shapes.length; i++) {
      String name = "stand-in-" + (char) ('a' + i);
      new TinyEncoder(shapes[i][0], shapes[i][1], 1000 + i).writeOnnx(dir.resolve(name + ".onnx"));
      Files.writeString(dir.resolve(name + ".yaml"), String.join("\n",
          "# a small encoder with seeded random weights: the demo's stand-in for a pretrained model",
          "name: " + name, "model: " + name + ".onnx", "input_size: 32", "dimension: " + shapes[i][1],
          "batch_size: 32", ""));
      names.append(names.isEmpty() ? "" : ", ").append(name);
    }
    return new Choice(dir, "models: STAND-INS (" + names + ": small encoders with random weights, not pretrained;"
        + " put real ones in " + models + " with `fmselect models pull`)", "stand-ins: " + names, true);
  }

  private static boolean hasSpecs(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var s = Files.list(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().endsWith(".yaml"));
    }
  }

  static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null && java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }
}
