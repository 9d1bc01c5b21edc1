package io.fmselect.embed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One foundation model as a spec file describes it (one YAML file per FM, e.g.
 * {@code models/dinov2-vits14.yaml}): where the exported model is, how an image becomes its input
 * tensor, which output is the embedding, and how to run it. Every mistake is reported at load time
 * as one message naming the file and the key.
 *
 * <pre>
 * name: dinov2-vits14          # the FM's name in the stream and in .npy file names
 * model: dinov2-vits14.onnx    # relative to the spec file
 * engine: OnnxRuntime          # or PyTorch (TorchScript)
 * input_size: 224              # the square the model takes
 * resize: 256                  # shorter side after resizing, before the center crop
 * interpolation: bilinear      # or bicubic: the resampling filter of the resize
 * antialias: true              # or false (see below)
 * mean: [0.485, 0.456, 0.406]  # per channel, on pixels scaled to [0, 1], in the order below
 * std: [0.229, 0.224, 0.225]
 * channels: RGB                # or BGR
 * output: 0                    # output index or name
 * pooling: none                # none (output [N, D]), cls or mean (output [N, T, D])
 * dimension: 384
 * device: cpu                  # or gpu:N
 * batch_size: 16               # largest micro-batch
 * max_delay_ms: 20             # longest a request waits for its batch to fill
 * </pre>
 *
 * <p>{@code resize}, {@code input_size}, {@code interpolation} and {@code antialias} reproduce
 * torchvision's {@code Resize(resize, interpolation)} followed by {@code CenterCrop(input_size)}, on 8-bit
 * RGB pixels (see {@link Preprocessor}). {@code antialias: true} (the default) is the result of those
 * transforms on a PIL image, what DINOv2's and CLIP's own preprocessing do: PIL's resampling, which widens
 * the filter when downscaling; {@code antialias: false} is their result on a uint8 tensor with
 * {@code antialias=False} ({@code torch.nn.functional.interpolate}, no widening; bicubic with
 * a = -0.75 instead of PIL's -0.5). Any other value of either key is refused.
 */
public record ModelSpec(Path file, String name, Path model, String engine, int inputSize, int resize,
    Interpolation interpolation, boolean antialias, double[] mean, double[] std, boolean bgr, String output,
    Pooling pooling, int dimension, String device, int batchSize, long maxDelayMs) {

  /** How a token-sequence output [N, T, D] becomes one vector per image. */
  public enum Pooling { NONE, CLS, MEAN }

  /** The resampling filter of the resize (torchvision's {@code InterpolationMode}). */
  public enum Interpolation { BILINEAR, BICUBIC }

  private static final Set<String> KEYS = Set.of("name", "model", "engine", "input_size", "resize", "interpolation",
      "antialias", "mean", "std", "channels", "output", "pooling", "dimension", "device", "batch_size", "max_delay_ms");

  /** A spec file that is wrong, with the message naming the file and the key. */
  public static final class SpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SpecException(Path file, String message) {
      super(file + ": " + message);
    }
  }

  /** Reads and checks one spec file. */
  public static ModelSpec load(Path file) {
    Map<String, Object> m;
    try {
      Object root = new ObjectMapper(new YAMLFactory()).readValue(Files.readString(file), Object.class);
      if (!(root instanceof Map<?, ?> map)) {
        throw new SpecException(file, "not a YAML mapping of keys to values");
      }
      m = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        m.put(String.valueOf(e.getKey()), e.getValue());
      }
    } catch (IOException e) {
      throw new SpecException(file, "cannot read: " + e.getMessage().lines().findFirst().orElse(""));
    }
    for (String k : m.keySet()) {
      if (!KEYS.contains(k)) {
        throw new SpecException(file, "unknown key '" + k + "' (known: " + new java.util.TreeSet<>(KEYS) + ")");
      }
    }
    String name = string(file, m, "name", null);
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new SpecException(file, "'name' must be letters, digits, '.', '_' or '-', got '" + name + "'");
    }
    Path dir = file.toAbsolutePath().getParent();
    Path model = dir.resolve(string(file, m, "model", null));
    if (!Files.isRegularFile(model)) {
      throw new SpecException(file, "'model': no such file " + model);
    }
    String engine = string(file, m, "engine", "OnnxRuntime");
    if (!engine.equals("OnnxRuntime") && !engine.equals("PyTorch")) {
      throw new SpecException(file, "'engine' must be OnnxRuntime or PyTorch, got '" + engine + "'");
    }
    if (!ai.djl.engine.Engine.hasEngine(engine)) {
      // the cluster job jar carries ONNX Runtime only
      throw new SpecException(file, "'engine: " + engine + "' is not in this build of fmselect: export the model"
          + " to ONNX (tools/export_fm.py --format onnx), or on a cluster put DJL's jars in its lib/ (README)");
    }
    int inputSize = positive(file, m, "input_size", null);
    int resize = positive(file, m, "resize", inputSize);
    if (resize < inputSize) {
      throw new SpecException(file, "'resize' (" + resize + ") must be at least 'input_size' (" + inputSize + ")");
    }
    String interp = string(file, m, "interpolation", "bilinear");
    if (!interp.equals("bilinear") && !interp.equals("bicubic")) {
      throw new SpecException(file, "'interpolation' must be bilinear or bicubic, got '" + interp + "'");
    }
    Interpolation interpolation = interp.equals("bicubic") ? Interpolation.BICUBIC : Interpolation.BILINEAR;
    Object aa = m.getOrDefault("antialias", Boolean.TRUE);
    if (!(aa instanceof Boolean antialias)) {
      throw new SpecException(file, "'antialias' must be true or false, got '" + aa + "'");
    }
    double[] mean = triple(file, m, "mean", new double[] {0, 0, 0}, false);
    double[] std = triple(file, m, "std", new double[] {1, 1, 1}, true);
    String channels = string(file, m, "channels", "RGB");
    if (!channels.equals("RGB") && !channels.equals("BGR")) {
      throw new SpecException(file, "'channels' must be RGB or BGR, got '" + channels + "'");
    }
    String output = string(file, m, "output", "0");
    Pooling pooling;
    try {
      pooling = Pooling.valueOf(string(file, m, "pooling", "none").toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new SpecException(file, "'pooling' must be none, cls or mean, got '" + m.get("pooling") + "'");
    }
    int dimension = positive(file, m, "dimension", null);
    String device = string(file, m, "device", "cpu");
    if (!device.equals("cpu") && !device.matches("gpu:[0-9]+")) {
      throw new SpecException(file, "'device' must be cpu or gpu:N, got '" + device + "'");
    }
    int batch = positive(file, m, "batch_size", 16);
    int delay = positive(file, m, "max_delay_ms", 20);
    return new ModelSpec(file, name, model, engine, inputSize, resize, interpolation, antialias, mean, std,
        channels.equals("BGR"), output, pooling, dimension, device, batch, delay);
  }

  private static String string(Path file, Map<String, Object> m, String key, String dflt) {
    Object v = m.get(key);
    if (v == null) {
      if (dflt == null) {
        throw new SpecException(file, "'" + key + "' is missing");
      }
      return dflt;
    }
    if (v instanceof Map || v instanceof List) {
      throw new SpecException(file, "'" + key + "' must be a single value, got " + v);
    }
    return String.valueOf(v).trim();
  }

  private static int positive(Path file, Map<String, Object> m, String key, Integer dflt) {
    Object v = m.get(key);
    if (v == null && dflt != null) {
      return dflt;
    }
    if (!(v instanceof Integer i) || i < 1) {
      throw new SpecException(file, "'" + key + "' must be a positive integer, got " + (v == null ? "nothing" : v));
    }
    return i;
  }

  private static double[] triple(Path file, Map<String, Object> m, String key, double[] dflt, boolean positive) {
    Object v = m.get(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof List<?> l) || l.size() != 3 || !l.stream().allMatch(x -> x instanceof Number)) {
      throw new SpecException(file, "'" + key + "' must be a list of 3 numbers, got " + v);
    }
    double[] out = new double[3];
    for (int c = 0; c < 3; c++) {
      out[c] = ((Number) l.get(c)).doubleValue();
      if (!Double.isFinite(out[c]) || (positive && out[c] <= 0)) {
        throw new SpecException(file, "'" + key + "' must hold " + (positive ? "positive " : "") + "finite numbers, got " + v);
      }
    }
    return out;
  }

  /**
   * Loads every spec file ({@code *.yaml}) of a folder, in name order; throws IllegalArgumentException
   * (a {@link SpecException} for a bad file) when the folder has none, or two share a name.
   */
  public static List<ModelSpec> loadAll(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + ": not a directory of FM spec files");
    }
    List<ModelSpec> out = new ArrayList<>();
    try (var s = Files.list(dir)) {
      for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList()) {
        out.add(ModelSpec.load(f));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(dir + ": no FM spec files (NAME.yaml)");
    }
    var names = new HashSet<String>();
    for (ModelSpec m : out) {
      if (!names.add(m.name())) {
        throw new IllegalArgumentException(m.file() + ": name '" + m.name() + "' is used by another spec too");
      }
    }
    return out;
  }
}
