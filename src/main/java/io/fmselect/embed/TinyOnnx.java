package io.fmselect.embed;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A small image encoder generated as an ONNX graph (protobuf wire format, written here), with seeded
 * weights, and the same network in plain Java as the reference, for tests and benchmarks (no model
 * weights can be fetched on the build machines):
 * {@code image [N, 3, S, S] -> Conv 3x3 (3 -> C, pad 1) -> Relu -> GlobalAveragePool -> Flatten -> Gemm (C -> D)}.
 */
public final class TinyOnnx {
  final int channels;
  final int dim;
  final float[] convW; // [C, 3, 3, 3]
  final float[] convB; // [C]
  final float[] fcW; // [D, C]
  final float[] fcB; // [D]

  public TinyOnnx(int channels, int dim, long seed) {
    this.channels = channels;
    this.dim = dim;
    SplittableRandom r = new SplittableRandom(seed);
    convW = random(r, channels * 27, 0.3);
    convB = random(r, channels, 0.1);
    fcW = random(r, dim * channels, 0.5);
    fcB = random(r, dim, 0.1);
  }

  private static float[] random(SplittableRandom r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (scale * r.nextGaussian());
    }
    return a;
  }

  /** The reference: the same network in double, for one CHW image of side s. */
  public double[] embed(float[] img, int s) {
    double[] pooled = new double[channels];
    for (int o = 0; o < channels; o++) {
      double sum = 0;
      for (int y = 0; y < s; y++) {
        for (int x = 0; x < s; x++) {
          double v = convB[o];
          for (int c = 0; c < 3; c++) {
            for (int ky = 0; ky < 3; ky++) {
              for (int kx = 0; kx < 3; kx++) {
                int yy = y + ky - 1;
                int xx = x + kx - 1;
                if (yy >= 0 && yy < s && xx >= 0 && xx < s) {
                  v += convW[((o * 3 + c) * 3 + ky) * 3 + kx] * img[(c * s + yy) * s + xx];
                }
              }
            }
          }
          sum += Math.max(0, v);
        }
      }
      pooled[o] = sum / (s * s);
    }
    double[] out = new double[dim];
    for (int d = 0; d < dim; d++) {
      double v = fcB[d];
      for (int o = 0; o < channels; o++) {
        v += fcW[d * channels + o] * pooled[o];
      }
      out[d] = v;
    }
    return out;
  }

  /** Writes the model as an ONNX file (IR 8, opset 13, batch dimension symbolic). */
  public void write(Path file) throws java.io.IOException {
    write(file, null);
  }

  /**
   * Writes the model as an ONNX file; {@code fixedBatch} non-null fixes the batch dimension (a model
   * exported without a dynamic batch axis, which fails on any other batch size).
   */
  public void write(Path file, Integer fixedBatch) throws java.io.IOException {
    String batch = fixedBatch == null ? "batch" : null;
    Proto graph = new Proto();
    graph.message(1, node("Conv", new String[] {"image", "conv_w", "conv_b"}, "conv",
        attrInts("kernel_shape", 3, 3), attrInts("pads", 1, 1, 1, 1)));
    graph.message(1, node("Relu", new String[] {"conv"}, "relu"));
    graph.message(1, node("GlobalAveragePool", new String[] {"relu"}, "pool"));
    graph.message(1, node("Flatten", new String[] {"pool"}, "flat", attrInt("axis", 1)));
    graph.message(1, node("Gemm", new String[] {"flat", "fc_w", "fc_b"}, "embedding", attrInt("transB", 1)));
    graph.string(2, "tiny");
    graph.message(5, tensor("conv_w", convW, channels, 3, 3, 3));
    graph.message(5, tensor("conv_b", convB, channels));
    graph.message(5, tensor("fc_w", fcW, dim, channels));
    graph.message(5, tensor("fc_b", fcB, dim));
    graph.message(11, valueInfo("image", batch, fixedBatch, 3, -1, -1));
    graph.message(12, valueInfo("embedding", batch, fixedBatch, dim));
    Proto model = new Proto();
    model.varint(1, 8);
    model.string(2, "fmselect-tests");
    model.message(7, graph);
    Proto opset = new Proto();
    opset.string(1, "");
    opset.varint(2, 13);
    model.message(8, opset);
    Files.write(file, model.bytes());
  }

  private static Proto node(String op, String[] inputs, String output, Proto... attributes) {
    Proto n = new Proto();
    for (String in : inputs) {
      n.string(1, in);
    }
    n.string(2, output);
    n.string(3, output + "_node");
    n.string(4, op);
    for (Proto a : attributes) {
      n.message(5, a);
    }
    return n;
  }

  private static Proto attrInts(String name, long... values) {
    Proto a = new Proto();
    a.string(1, name);
    for (long v : values) {
      a.varint(8, v);
    }
    a.varint(20, 7); // INTS
    return a;
  }

  private static Proto attrInt(String name, long value) {
    Proto a = new Proto();
    a.string(1, name);
    a.varint(3, value);
    a.varint(20, 2); // INT
    return a;
  }

  private static Proto tensor(String name, float[] values, long... dims) {
    Proto t = new Proto();
    for (long d : dims) {
      t.varint(1, d);
    }
    t.varint(2, 1); // FLOAT
    t.string(8, name);
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    t.bytes(9, b.array());
    return t;
  }

  /** A float tensor value: first dimension symbolic, -1 for other unknown dimensions. */
  private static Proto valueInfo(String name, String batch, Integer fixedBatch, long... dims) {
    Proto shape = new Proto();
    Proto first = new Proto();
    if (batch != null) {
      first.string(2, batch);
    } else {
      first.varint(1, fixedBatch);
    }
    shape.message(1, first);
    for (long d : dims) {
      Proto dim = new Proto();
      if (d >= 0) {
        dim.varint(1, d);
      } else {
        dim.string(2, "d" + shape.size());
      }
      shape.message(1, dim);
    }
    Proto tensorType = new Proto();
    tensorType.varint(1, 1); // FLOAT
    tensorType.message(2, shape);
    Proto type = new Proto();
    type.message(1, tensorType);
    Proto v = new Proto();
    v.string(1, name);
    v.message(2, type);
    return v;
  }

  /** Protobuf wire format: varints and length-delimited fields, nothing else needed here. */
  static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    int size() {
      return out.size();
    }

    byte[] bytes() {
      return out.toByteArray();
    }

    void varint(int field, long v) {
      raw((long) field << 3);
      raw(v);
    }

    void string(int field, String s) {
      bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    void message(int field, Proto p) {
      bytes(field, p.bytes());
    }

    void bytes(int field, byte[] b) {
      raw((long) field << 3 | 2);
      raw(b.length);
      out.write(b, 0, b.length);
    }

    private void raw(long v) {
      while ((v & ~0x7fL) != 0) {
        out.write((int) ((v & 0x7f) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }
  }
}
