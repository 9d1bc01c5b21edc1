package io.fmselect.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fmselect.embed.FmEncoder;
import io.fmselect.embed.ModelSpec;
import io.fmselect.embed.onnx.OnnxGraph;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The converter's parts on small inputs whose right answers are known. */
class ConverterPiecesTest {
  @TempDir Path dir;

  /** A browserify bundle as nsfwjs ships one, exporting {@code literal}. */
  static String bundle(String literal) {
    return "!function(e){module.exports=e()}(function(){return function e(a,n,i){return 1}({1:[function(e,a,n){a.exports="
        + literal + "},{}]},{},[1])(1)});";
  }

  @Test
  void readsMinifiedLiterals() {
    Object v = JsLiteral.exported(bundle("{a:!0,b:[.5,-1e-3,null,12],\"c d\":'x\\\"y',e:{},f:[],g:!1,h:-.25e2}"));
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) v;
    assertEquals(List.of("a", "b", "c d", "e", "f", "g", "h"), List.copyOf(m.keySet()));
    assertEquals(Boolean.TRUE, m.get("a"));
    assertEquals(0.5, ((List<?>) m.get("b")).get(0));
    assertEquals(-1e-3, ((List<?>) m.get("b")).get(1));
    assertNull(((List<?>) m.get("b")).get(2));
    assertEquals("x\"y", m.get("c d"));
    assertEquals(Boolean.FALSE, m.get("g"));
    assertEquals(-25.0, m.get("h"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsLiteral.parse("{a:[1,}"));
    assertTrue(e.getMessage().startsWith("unexpected character at character 6"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> JsLiteral.exported("module.exports={}"));
  }

  @Test
  void decodesQuantizedAndPlainWeightsInManifestOrder() {
    // two shards: w1 uint8 [2, 2], w2 float32 [2] split across the shards
    byte[] all = new byte[4 + 8];
    all[0] = 0;
    all[1] = 1;
    all[2] = (byte) 128;
    all[3] = (byte) 255;
    java.nio.ByteBuffer.wrap(all, 4, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2.25f);
    byte[] s1 = java.util.Arrays.copyOfRange(all, 0, 6);
    byte[] s2 = java.util.Arrays.copyOfRange(all, 6, 12);
    String json = "{modelTopology:{},weightsManifest:[{paths:[\"group1-shard1of2\",\"group1-shard2of2\"],weights:["
        + "{name:\"w1\",shape:[2,2],dtype:\"float32\",quantization:{min:-1.5,scale:.01,dtype:\"uint8\"}},"
        + "{name:\"w2\",shape:[2],dtype:\"float32\"}]}]}";
    Map<String, byte[]> files = Map.of(
        "model.min.js", bundle(json).getBytes(StandardCharsets.UTF_8),
        "group1-shard1of2.min.js", bundle("\"" + Base64.getEncoder().encodeToString(s1) + "\"").getBytes(StandardCharsets.UTF_8),
        "group1-shard2of2.min.js", bundle("\"" + Base64.getEncoder().encodeToString(s2) + "\"").getBytes(StandardCharsets.UTF_8));
    TfjsModel m = TfjsModel.read(files, "test");
    assertArrayEquals(new long[] {2, 2}, m.weight("w1").shape());
    assertArrayEquals(new float[] {(float) -1.5, (float) (0.01 - 1.5), (float) (128 * 0.01 - 1.5), (float) (255 * 0.01 - 1.5)},
        m.weight("w1").values());
    assertArrayEquals(new float[] {1.5f, -2.25f}, m.weight("w2").values());
    var missing = new java.util.HashMap<>(files);
    missing.remove("group1-shard2of2.min.js");
    assertEquals("test: weight shard group1-shard2of2.min.js is missing",
        assertThrows(IllegalArgumentException.class, () -> TfjsModel.read(missing, "test")).getMessage());
  }

  /**
   * TF's 'same' padding at stride 2 on an even side pads the extra row and column at the end: a 3x3
   * convolution of a 4x4 image reads rows/columns -0..4 with the pad after (SAME_UPPER), checked against
   * a direct computation; a depthwise kernel and folded batch norm go along.
   */
  @Test
  void sameConvolutionMatchesTensorFlowPadding() throws Exception {
    int s = 4;
    int cin = 3;
    int m = 2; // depth multiplier
    float[] k = new float[3 * 3 * cin * m];
    for (int i = 0; i < k.length; i++) {
      k[i] = (float) Math.sin(i + 1);
    }
    float[] bias = new float[cin * m];
    for (int i = 0; i < bias.length; i++) {
      bias[i] = 0.1f * i;
    }
    float[] gamma = new float[cin * m];
    float[] beta = new float[cin * m];
    float[] mean = new float[cin * m];
    float[] var = new float[cin * m];
    for (int i = 0; i < gamma.length; i++) {
      gamma[i] = 1 + 0.1f * i;
      beta[i] = -0.05f * i;
      mean[i] = 0.02f * i;
      var[i] = 0.5f + 0.1f * i;
    }
    Convs.Conv conv = Convs.Conv.depthwise(new TfjsModel.Tensor(new long[] {3, 3, cin, m}, k),
        new TfjsModel.Tensor(new long[] {cin * m}, bias));
    conv.foldBatchNorm(gamma, beta, mean, var, 1e-3);
    OnnxGraph g = new OnnxGraph("t");
    g.input("x", "batch", (long) cin, (long) s, (long) s);
    conv.emit(g, "dw", "x", "y", 2, 2, 1, 1, Convs.Padding.SAME, Convs.Activation.RELU6);
    g.node("Flatten", "out", List.of("y"), OnnxGraph.attr("axis", 1));
    int outSide = Convs.Padding.SAME.out(s, 3, 2, 1);
    assertEquals(2, outSide);
    int dim = cin * m * outSide * outSide;
    g.output("out", "batch", (long) dim);
    g.write(dir.resolve("t.onnx"), "test", 13);
    Files.writeString(dir.resolve("t.yaml"), "name: t\nmodel: t.onnx\ninput_size: " + s + "\ndimension: " + dim + "\n");
    float[] x = new float[cin * s * s];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.cos(0.7 * i);
    }
    float[] got;
    try (FmEncoder enc = FmEncoder.open(ModelSpec.load(dir.resolve("t.yaml")), 1); FmEncoder.Worker w = enc.newWorker()) {
      got = w.embed(x, 1)[0];
    }
    // TF: out[y][x] reads in[2y + dy][2x + dx] for dy, dx in 0..2 (pad_top = pad_left = 0, one row/column after)
    for (int c = 0; c < cin; c++) {
      for (int j = 0; j < m; j++) {
        int o = c * m + j;
        for (int oy = 0; oy < outSide; oy++) {
          for (int ox = 0; ox < outSide; ox++) {
            double v = 0;
            for (int dy = 0; dy < 3; dy++) {
              for (int dx = 0; dx < 3; dx++) {
                int iy = 2 * oy + dy;
                int ix = 2 * ox + dx;
                if (iy < s && ix < s) {
                  v += k[((dy * 3 + dx) * cin + c) * m + j] * x[(c * s + iy) * s + ix];
                }
              }
            }
            v = (v + bias[o] - mean[o]) * gamma[o] / Math.sqrt(var[o] + 1e-3) + beta[o];
            v = Math.min(6, Math.max(0, v));
            assertEquals(v, got[(o * outSide + oy) * outSide + ox], 1e-5, "channel " + o + " at " + oy + "," + ox);
          }
        }
      }
    }
  }
}
