package io.fmselect.embed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Two generated FMs with spec files, for tests elsewhere: "a" (ONNX: 8 px, 4 dims, RGB, normalized) and
 * "b" (TorchScript through PyTorch, or ONNX if asked: resized to 7 then cropped to 6 px, 3 dims, BGR).
 */
public final class TinyEncoderAccess {
  private final Map<String, TinyEncoder> nets;

  private TinyEncoderAccess(Map<String, TinyEncoder> nets) {
    this.nets = nets;
  }

  public static TinyEncoderAccess write(Path dir) throws Exception {
    return write(dir, true);
  }

  public static TinyEncoderAccess write(Path dir, boolean torchScript) throws Exception {
    TinyEncoder a = new TinyEncoder(5, 4, 11);
    TinyEncoder b = new TinyEncoder(3, 3, 12);
    a.writeOnnx(dir.resolve("a.onnx"));
    String bModel = torchScript ? "b.pt" : "b.onnx";
    if (torchScript) {
      b.writeTorchScript(dir.resolve(bModel));
    } else {
      b.writeOnnx(dir.resolve(bModel));
    }
    Files.writeString(dir.resolve("a.yaml"), String.join("\n", "name: a", "model: a.onnx", "input_size: 8",
        "mean: [0.5, 0.5, 0.5]", "std: [0.25, 0.25, 0.25]", "output: embedding", "dimension: 4", "batch_size: 4", ""));
    Files.writeString(dir.resolve("b.yaml"), String.join("\n", "name: b", "model: " + bModel,
        "engine: " + (torchScript ? "PyTorch" : "OnnxRuntime"), "input_size: 6",
        "resize: 7", "channels: BGR", "dimension: 3", "batch_size: 2", ""));
    return new TinyEncoderAccess(Map.of("a", a, "b", b));
  }

  /** The reference embedding of one preprocessed image under FM {@code name}. */
  public double[] embed(String name, float[] chw, int size) {
    return nets.get(name).embed(chw, size);
  }
}
