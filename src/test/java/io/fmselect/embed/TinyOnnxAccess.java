package io.fmselect.embed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Two generated FMs with spec files ("a": 8 px, 4 dims, RGB, normalized; "b": resized to 7 then cropped to 6 px, 3 dims, BGR), for tests elsewhere. */
public final class TinyOnnxAccess {
  private final Map<String, TinyOnnx> nets;

  private TinyOnnxAccess(Map<String, TinyOnnx> nets) {
    this.nets = nets;
  }

  public static TinyOnnxAccess write(Path dir) throws Exception {
    TinyOnnx a = new TinyOnnx(5, 4, 11);
    TinyOnnx b = new TinyOnnx(3, 3, 12);
    a.write(dir.resolve("a.onnx"));
    b.write(dir.resolve("b.onnx"));
    Files.writeString(dir.resolve("a.yaml"), String.join("\n", "name: a", "model: a.onnx", "input_size: 8",
        "mean: [0.5, 0.5, 0.5]", "std: [0.25, 0.25, 0.25]", "output: embedding", "dimension: 4", "batch_size: 4", ""));
    Files.writeString(dir.resolve("b.yaml"), String.join("\n", "name: b", "model: b.onnx", "input_size: 6",
        "resize: 7", "channels: BGR", "dimension: 3", "batch_size: 2", ""));
    return new TinyOnnxAccess(Map.of("a", a, "b", b));
  }

  /** The reference embedding of one preprocessed image under FM {@code name}. */
  public double[] embed(String name, float[] chw, int size) {
    return nets.get(name).embed(chw, size);
  }
}
