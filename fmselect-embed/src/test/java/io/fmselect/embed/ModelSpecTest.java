package io.fmselect.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec files: every field read, every mistake one message naming the file and the key. */
class ModelSpecTest {
  @TempDir Path dir;

  Path write(String yaml) throws Exception {
    Files.write(dir.resolve("m.onnx"), new byte[] {0});
    Path f = dir.resolve("m.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  static final String GOOD = String.join("\n", "name: dinov2-vits14", "model: m.onnx", "input_size: 224",
      "resize: 256", "interpolation: bicubic", "antialias: false", "mean: [0.485, 0.456, 0.406]", "std: [0.229, 0.224, 0.225]", "channels: BGR",
      "output: last_hidden_state", "pooling: cls", "dimension: 384", "device: gpu:1", "batch_size: 32",
      "max_delay_ms: 5", "");

  @Test
  void readsEveryField() throws Exception {
    ModelSpec s = ModelSpec.load(write(GOOD));
    assertEquals("dinov2-vits14", s.name());
    assertEquals(dir.resolve("m.onnx").toAbsolutePath(), s.model());
    assertEquals("OnnxRuntime", s.engine());
    assertEquals(224, s.inputSize());
    assertEquals(256, s.resize());
    assertEquals(ModelSpec.Interpolation.BICUBIC, s.interpolation());
    assertEquals(false, s.antialias());
    assertArrayEquals(new double[] {0.485, 0.456, 0.406}, s.mean());
    assertTrue(s.bgr());
    assertEquals("last_hidden_state", s.output());
    assertEquals(ModelSpec.Pooling.CLS, s.pooling());
    assertEquals(384, s.dimension());
    assertEquals("gpu:1", s.device());
    assertEquals(32, s.batchSize());
    assertEquals(5, s.maxDelayMs());
  }

  @Test
  void resizeDefaultsToBilinearWithAntialiasing() throws Exception {
    ModelSpec s = ModelSpec.load(write(GOOD.replace("interpolation: bicubic\n", "").replace("antialias: false\n", "")));
    assertEquals(ModelSpec.Interpolation.BILINEAR, s.interpolation());
    assertTrue(s.antialias());
    assertEquals(ModelSpec.Interpolation.BILINEAR,
        ModelSpec.load(write(GOOD.replace("interpolation: bicubic", "interpolation: bilinear"))).interpolation());
  }

  void refused(String yaml, String expect) throws Exception {
    Path f = write(yaml);
    var e = assertThrows(ModelSpec.SpecException.class, () -> ModelSpec.load(f));
    assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(expect), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void mistakesAreNamed() throws Exception {
    refused(GOOD.replace("model: m.onnx", "model: missing.onnx"), "'model': no such file");
    refused(GOOD.replace("dimension: 384", "dimension: -3"), "'dimension' must be a positive integer");
    refused(GOOD.replace("dimension: 384\n", ""), "'dimension' must be a positive integer, got nothing");
    refused(GOOD.replace("resize: 256", "resize: 100"), "'resize' (100) must be at least 'input_size' (224)");
    refused(GOOD.replace("std: [0.229, 0.224, 0.225]", "std: [0.2, 0]"), "'std' must be a list of 3 numbers");
    refused(GOOD.replace("std: [0.229, 0.224, 0.225]", "std: [0.2, 0, 1]"), "'std' must hold positive finite");
    refused(GOOD.replace("pooling: cls", "pooling: max"), "'pooling' must be none, cls or mean");
    refused(GOOD.replace("device: gpu:1", "device: tpu"), "'device' must be cpu or gpu:N");
    refused(GOOD.replace("channels: BGR", "channels: RGBA"), "'channels' must be RGB or BGR");
    refused(GOOD + "batchsize: 4\n", "unknown key 'batchsize'");
    refused(GOOD.replace("interpolation: bicubic", "interpolation: nearest"),
        "'interpolation' must be bilinear or bicubic, got 'nearest'");
    refused(GOOD.replace("interpolation: bicubic", "interpolation: BICUBIC"), "'interpolation' must be");
    refused(GOOD.replace("interpolation: bicubic", "interpolation: [bicubic]"), "'interpolation' must be a single value");
    refused(GOOD.replace("antialias: false", "antialias: maybe"), "'antialias' must be true or false, got 'maybe'");
    refused(GOOD.replace("antialias: false", "antialias: 1"), "'antialias' must be true or false, got '1'");
    refused("- just\n- a list\n", "not a YAML mapping");
    refused("name: [unclosed\n", "cannot read");
  }
}
