package io.fmselect.models;

import io.fmselect.embed.FmEncoder;
import io.fmselect.embed.ModelSpec;
import io.fmselect.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The pretrained CNNs of the npm package nsfwjs 4.4.0 (MIT license; three TensorFlow.js models
 * fine-tuned from ImageNet weights for a five-class image content classifier) as fmselect FMs: each is
 * converted to ONNX up to its pooled feature vector, with a spec file beside it.
 */
public final class NsfwjsModels {
  private NsfwjsModels() {}

  public static final String PACKAGE_NAME = "nsfwjs";
  public static final String PACKAGE_VERSION = "4.4.0";
  public static final String TARBALL = PACKAGE_NAME + "-" + PACKAGE_VERSION + ".tgz";
  private static final String MODELS_DIR = "package/dist/models/";
  /** ONNX operator set of the converted graphs */
  static final int OPSET = 13;

  /** One model of the package: its FM name, its folder in the package, what it is. */
  public record Model(String name, String folder, boolean graphModel, String description) {}

  public static final List<Model> MODELS = List.of(
      new Model("mobilenet-v2", "mobilenet_v2", false, "MobileNetV2 1.0, Keras layers model"),
      new Model("mobilenet-v2-140", "mobilenet_v2_mid", true, "MobileNetV2 1.4 (TF-Hub feature vector), graph model"),
      new Model("inception-v3", "inception_v3", false, "InceptionV3, Keras layers model"));

  /** A converted model: its ONNX bytes and what it takes and gives. */
  public record Converted(Model model, byte[] onnx, int inputSize, int dimension, int nodes) {}

  /** The model of this FM name; IllegalArgumentException naming the known ones. */
  public static Model model(String name) {
    return MODELS.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
        "unknown model '" + name + "' (known: " + String.join(", ", MODELS.stream().map(Model::name).toList()) + ")"));
  }

  /**
   * Runs {@code npm pack nsfwjs@4.4.0} in {@code dir} and returns the tarball; IOException with npm's
   * last line of complaint when npm is missing or fails.
   */
  public static Path npmPack(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path log = Files.createTempFile(dir, "npm-pack", ".log");
    try {
      Process p;
      try {
        p = new ProcessBuilder("npm", "pack", "--silent", PACKAGE_NAME + "@" + PACKAGE_VERSION).directory(dir.toFile())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      } catch (IOException e) {
        throw new IOException("cannot run npm (Node.js and npm are needed, or pass --tarball " + TARBALL
            + " from 'npm pack " + PACKAGE_NAME + "@" + PACKAGE_VERSION + "'): " + e.getMessage());
      }
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("npm pack " + PACKAGE_NAME + "@" + PACKAGE_VERSION + " still running after 15 minutes");
      }
      Path tgz = dir.resolve(TARBALL);
      if (p.exitValue() != 0 || !Files.isRegularFile(tgz)) {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        throw new IOException("npm pack " + PACKAGE_NAME + "@" + PACKAGE_VERSION + " failed (exit " + p.exitValue()
            + "): " + (lines.isEmpty() ? "no output" : lines.get(lines.size() - 1).trim()));
      }
      return tgz;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** The model folders' files of the package tarball, checked to be nsfwjs 4.4.0: folder to file to content. */
  public static Map<String, Map<String, byte[]>> readTarball(Path tgz) throws IOException {
    Map<String, byte[]> files;
    try {
      files = Tarball.read(tgz, p -> p.equals("package/package.json") || p.startsWith(MODELS_DIR));
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new IOException(tgz + ": not a gzipped tar archive (" + e.getMessage() + ")");
    }
    byte[] pkg = files.get("package/package.json");
    if (pkg == null) {
      throw new IOException(tgz + ": not an npm package tarball (no package/package.json)");
    }
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(pkg);
    String found = json.path("name").asText() + "@" + json.path("version").asText();
    if (!found.equals(PACKAGE_NAME + "@" + PACKAGE_VERSION)) {
      throw new IOException(tgz + ": is " + found + ", not " + PACKAGE_NAME + "@" + PACKAGE_VERSION);
    }
    Map<String, Map<String, byte[]>> byFolder = new HashMap<>();
    for (var e : files.entrySet()) {
      if (!e.getKey().startsWith(MODELS_DIR)) {
        continue;
      }
      String rest = e.getKey().substring(MODELS_DIR.length());
      int slash = rest.indexOf('/');
      if (slash > 0) {
        byFolder.computeIfAbsent(rest.substring(0, slash), k -> new HashMap<>()).put(rest.substring(slash + 1), e.getValue());
      }
    }
    return byFolder;
  }

  /** Converts one model from the tarball's files. */
  public static Converted convert(Model m, Map<String, Map<String, byte[]>> folders) {
    Map<String, byte[]> files = folders.get(m.folder());
    String where = MODELS_DIR + m.folder();
    if (files == null) {
      throw new IllegalArgumentException(where + ": not in the package");
    }
    TfjsModel tfjs = TfjsModel.read(files, where);
    KerasConverter.Result r;
    try {
      r = m.graphModel() ? GraphConverter.convert(tfjs, m.name(), "feature_vector/SpatialSqueeze")
          : KerasConverter.convert(tfjs, m.name());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    byte[] onnx = r.graph().model("fmselect models pull (" + PACKAGE_NAME + " " + PACKAGE_VERSION + ")", OPSET).toByteArray();
    return new Converted(m, onnx, r.inputSize(), r.dimension(), r.graph().nodeCount());
  }

  /**
   * The spec file of a converted model (the package feeds the models RGB / 255, resized to the input size),
   * at input size {@code inputSize} (resize and crop to it; the model's own size is {@code c.inputSize()}).
   */
  public static String spec(Converted c, int inputSize) {
    return String.join("\n",
        "# " + c.model().description() + " from the npm package " + PACKAGE_NAME + " " + PACKAGE_VERSION
            + " (MIT license),",
        "# fine-tuned from ImageNet for a 5-class image content classifier; cut at its pooled features.",
        "# Written by 'fmselect models pull'. Any input_size works (the pooling is global); see docs/models.md.",
        "name: " + c.model().name(),
        "model: " + c.model().name() + ".onnx",
        "engine: OnnxRuntime",
        "input_size: " + inputSize,
        "resize: " + inputSize,
        "mean: [0.0, 0.0, 0.0]",
        "std: [1.0, 1.0, 1.0]",
        "channels: RGB",
        "output: 0",
        "pooling: none",
        "dimension: " + c.dimension(),
        "device: cpu",
        "batch_size: 16",
        "max_delay_ms: 20",
        "");
  }

  /**
   * Converts the models, checks that each loads in ONNX Runtime and gives its dimension, then writes
   * {@code NAME.onnx} and {@code NAME.yaml} of every one into {@code out}: nothing is written there
   * unless all of them worked. Reports one line per model to {@code log}. The specs ask for each model's
   * own input size, or {@code inputSize} when it is not null.
   */
  public static void pull(Path tarball, List<Model> models, Path out, Integer inputSize, Consumer<String> log)
      throws IOException, FmEncoder.ModelException {
    Map<String, Map<String, byte[]>> folders = readTarball(tarball);
    Files.createDirectories(out);
    Path staging = Files.createTempDirectory(out, ".pull-");
    try {
      List<String> lines = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (Model m : models) {
        long t0 = System.nanoTime();
        Converted c = convert(m, folders);
        Files.write(staging.resolve(m.name() + ".onnx"), c.onnx());
        int size = inputSize == null ? c.inputSize() : inputSize;
        Files.writeString(staging.resolve(m.name() + ".yaml"), spec(c, size));
        try (FmEncoder enc = FmEncoder.open(ModelSpec.load(staging.resolve(m.name() + ".yaml")), 1)) {
          enc.spec(); // opening ran the model once on a blank image at the spec's size and checked the dimension
        }
        names.add(m.name());
        lines.add(String.format("%s: %s, %d-d features, input %d, %d ONNX nodes, %.1f MB, converted in %.1f s -> %s",
            m.name(), m.description(), c.dimension(), size, c.nodes(), c.onnx().length / 1e6,
            (System.nanoTime() - t0) / 1e9, out.resolve(m.name() + ".onnx")));
      }
      // published by AtomicFile's rule: a symbolic link in the folder keeps pointing at the new model
      try (AtomicFile.Batch batch = new AtomicFile.Batch()) {
        for (String n : names) {
          for (String ext : List.of(".onnx", ".yaml")) {
            Path staged = staging.resolve(n + ext);
            batch.add(out.resolve(n + ext), o -> Files.copy(staged, o));
          }
        }
        batch.commit();
      }
      lines.forEach(log);
    } finally {
      io.fmselect.embed.Folders.delete(staging);
    }
  }
}
