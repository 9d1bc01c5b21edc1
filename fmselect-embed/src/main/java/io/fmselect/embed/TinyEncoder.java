package io.fmselect.embed;

import io.fmselect.embed.onnx.OnnxGraph;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small image encoder with seeded weights, written as an ONNX graph ({@link OnnxGraph}) or as a
 * TorchScript archive (zip of pickled module state and TorchScript source), both produced here, and the
 * same network in plain Java as the reference, for tests and benchmarks (no model weights can be fetched
 * on the build machines, and the tests cannot run Python):
 * {@code image [N, 3, S, S] -> Conv 3x3 (3 -> C, pad 1) -> Relu -> GlobalAveragePool -> Flatten -> Gemm (C -> D)}.
 */
public final class TinyEncoder {
  final int channels;
  final int dim;
  final float[] convW; // [C, 3, 3, 3]
  final float[] convB; // [C]
  final float[] fcW; // [D, C]
  final float[] fcB; // [D]

  public TinyEncoder(int channels, int dim, long seed) {
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
  public void writeOnnx(Path file) throws IOException {
    writeOnnx(file, null);
  }

  /**
   * Writes the model as an ONNX file; {@code fixedBatch} non-null fixes the batch dimension (a model
   * exported without a dynamic batch axis, which fails on any other batch size).
   */
  public void writeOnnx(Path file, Integer fixedBatch) throws IOException {
    Object batch = fixedBatch == null ? "batch" : (Object) fixedBatch;
    OnnxGraph g = new OnnxGraph("tiny");
    g.input("image", batch, 3L, "d1", "d2");
    g.weight("conv_w", convW, channels, 3, 3, 3);
    g.weight("conv_b", convB, channels);
    g.weight("fc_w", fcW, dim, channels);
    g.weight("fc_b", fcB, dim);
    g.node("Conv", "conv", List.of("image", "conv_w", "conv_b"), OnnxGraph.ints("kernel_shape", 3, 3),
        OnnxGraph.ints("pads", 1, 1, 1, 1));
    g.node("Relu", "relu", List.of("conv"));
    g.node("GlobalAveragePool", "pool", List.of("relu"));
    g.node("Flatten", "flat", List.of("pool"), OnnxGraph.attr("axis", 1));
    g.node("Gemm", "embedding", List.of("flat", "fc_w", "fc_b"), OnnxGraph.attr("transB", 1));
    g.output("embedding", batch, (long) dim);
    g.write(file, "fmselect-tests", 13);
  }

  /**
   * Writes the model as a TorchScript archive, as {@code torch.jit.save} lays one out (file format
   * version 3): the module's attributes pickled in {@code data.pkl} with each parameter's storage in
   * {@code data/N}, and its TorchScript source in {@code code/__torch__.py}. Loads in libtorch (and in
   * {@code torch.jit.load}) like an exported module; the same network as {@link #writeOnnx(Path)}.
   */
  public void writeTorchScript(Path file) throws IOException {
    String[] names = {"conv_w", "conv_b", "fc_w", "fc_b"};
    float[][] values = {convW, convB, fcW, fcB};
    long[][] shapes = {{channels, 3, 3, 3}, {channels}, {dim, channels}, {dim}};
    Pickle data = new Pickle();
    data.global("__torch__", "Tiny").op(Pickle.EMPTY_TUPLE).op(Pickle.NEWOBJ).op(Pickle.EMPTY_DICT).op(Pickle.MARK);
    for (int i = 0; i < names.length; i++) {
      data.string(names[i]).global("torch._utils", "_rebuild_tensor_v2").op(Pickle.MARK);
      data.op(Pickle.MARK).string("storage").global("torch", "FloatStorage").string(Integer.toString(i))
          .string("cpu").integer(values[i].length).op(Pickle.TUPLE).op(Pickle.BINPERSID);
      data.integer(0).op(Pickle.MARK);
      long stride = 1;
      long[] strides = new long[shapes[i].length];
      for (int d = shapes[i].length - 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= shapes[i][d];
      }
      for (long d : shapes[i]) {
        data.integer(d);
      }
      data.op(Pickle.TUPLE).op(Pickle.MARK);
      for (long st : strides) {
        data.integer(st);
      }
      data.op(Pickle.TUPLE).op(Pickle.FALSE).global("collections", "OrderedDict").op(Pickle.EMPTY_TUPLE)
          .op(Pickle.REDUCE).op(Pickle.TUPLE).op(Pickle.REDUCE);
    }
    data.string("training").op(Pickle.FALSE).op(Pickle.SETITEMS).op(Pickle.BUILD);
    String code = String.join("\n",
        "class Tiny(Module):",
        "  __parameters__ = [\"conv_w\", \"conv_b\", \"fc_w\", \"fc_b\", ]",
        "  __buffers__ = []",
        "  conv_w : Tensor",
        "  conv_b : Tensor",
        "  fc_w : Tensor",
        "  fc_b : Tensor",
        "  training : bool",
        "  def forward(self: __torch__.Tiny, image: Tensor) -> Tensor:",
        "    conv = torch.relu(torch.conv2d(image, self.conv_w, self.conv_b, [1, 1], [1, 1]))",
        "    return torch.linear(torch.mean(conv, [2, 3]), self.fc_w, self.fc_b)",
        "");
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(zip)) {
      storedEntry(z, "tiny/version", "3\n".getBytes(StandardCharsets.UTF_8));
      storedEntry(z, "tiny/data.pkl", data.bytes());
      storedEntry(z, "tiny/constants.pkl", new Pickle().op(Pickle.EMPTY_TUPLE).bytes());
      storedEntry(z, "tiny/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < values.length; i++) {
        storedEntry(z, "tiny/data/" + i, littleEndian(values[i]));
      }
    }
    Files.write(file, zip.toByteArray());
  }

  private static void storedEntry(java.util.zip.ZipOutputStream z, String name, byte[] bytes) throws IOException {
    java.util.zip.ZipEntry e = new java.util.zip.ZipEntry(name);
    e.setMethod(java.util.zip.ZipEntry.STORED);
    e.setSize(bytes.length);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(bytes);
    e.setCrc(crc.getValue());
    z.putNextEntry(e);
    z.write(bytes);
    z.closeEntry();
  }

  private static byte[] littleEndian(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b.array();
  }

  /** Python pickle, protocol 2: the few opcodes a TorchScript module's state needs. */
  static final class Pickle {
    static final int MARK = '(';
    static final int TUPLE = 't';
    static final int EMPTY_TUPLE = ')';
    static final int EMPTY_DICT = '}';
    static final int SETITEMS = 'u';
    static final int NEWOBJ = 0x81;
    static final int REDUCE = 'R';
    static final int BUILD = 'b';
    static final int BINPERSID = 'Q';
    static final int FALSE = 0x89;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Pickle() {
      out.write(0x80); // PROTO 2
      out.write(2);
    }

    Pickle op(int opcode) {
      out.write(opcode);
      return this;
    }

    Pickle global(String module, String name) {
      byte[] b = ("c" + module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8);
      out.write(b, 0, b.length);
      return this;
    }

    Pickle string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write('X'); // BINUNICODE
      int32(b.length);
      out.write(b, 0, b.length);
      return this;
    }

    Pickle integer(long v) {
      out.write('J'); // BININT
      int32(Math.toIntExact(v));
      return this;
    }

    private void int32(int v) {
      for (int i = 0; i < 4; i++) {
        out.write(v >>> (8 * i) & 0xff);
      }
    }

    byte[] bytes() {
      out.write('.'); // STOP
      return out.toByteArray();
    }
  }
}
