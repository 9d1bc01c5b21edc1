package io.fmselect.models;

import io.fmselect.embed.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.List;

/**
 * TensorFlow's convolutions in ONNX (NCHW): kernels from TF's layouts to ONNX's, batch normalization
 * folded into the weights, TF's padding, and the fused activations.
 */
final class Convs {
  private Convs() {}

  /** How TF pads: "same" (ONNX SAME_UPPER: any extra row/column goes at the end), "valid", or explicit. */
  record Padding(boolean same, long top, long left, long bottom, long right) {
    static final Padding VALID = new Padding(false, 0, 0, 0, 0);
    static final Padding SAME = new Padding(true, 0, 0, 0, 0);

    /** The output side for an input side {@code h}, as TF computes it. */
    int out(int h, int k, int stride, int dilation) {
      if (same) {
        return (h + stride - 1) / stride;
      }
      int eff = (k - 1) * dilation + 1;
      return (int) ((h + top + bottom - eff) / stride + 1);
    }

    void addTo(List<io.fmselect.embed.onnx.AttributeProto> attrs) {
      if (same) {
        attrs.add(OnnxGraph.attr("auto_pad", "SAME_UPPER"));
      } else {
        attrs.add(OnnxGraph.ints("pads", top, left, bottom, right));
      }
    }
  }

  enum Activation { NONE, RELU, RELU6 }

  /** A convolution with ONNX's weights [O, I/group, kh, kw] and a bias [O]. */
  static final class Conv {
    final float[] w;
    final float[] b;
    final int out;
    final int inPerGroup;
    final int kh;
    final int kw;
    final int group;

    private Conv(float[] w, float[] b, int out, int inPerGroup, int kh, int kw, int group) {
      this.w = w;
      this.b = b;
      this.out = out;
      this.inPerGroup = inPerGroup;
      this.kh = kh;
      this.kw = kw;
      this.group = group;
    }

    /** A TF Conv2D kernel [kh, kw, in, out] (HWIO) and its bias (null: zeros). */
    static Conv regular(TfjsModel.Tensor k, TfjsModel.Tensor bias) {
      int kh = k.dim(0);
      int kw = k.dim(1);
      int in = k.dim(2);
      int out = k.dim(3);
      float[] w = new float[out * in * kh * kw];
      float[] src = k.values();
      for (int y = 0; y < kh; y++) {
        for (int x = 0; x < kw; x++) {
          for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
              w[((o * in + i) * kh + y) * kw + x] = src[((y * kw + x) * in + i) * out + o];
            }
          }
        }
      }
      return new Conv(w, biasOf(bias, out), out, in, kh, kw, 1);
    }

    /** A TF depthwise kernel [kh, kw, C, m]: output channel c * m + j reads input channel c. */
    static Conv depthwise(TfjsModel.Tensor k, TfjsModel.Tensor bias) {
      int kh = k.dim(0);
      int kw = k.dim(1);
      int c = k.dim(2);
      int m = k.dim(3);
      float[] w = new float[c * m * kh * kw];
      float[] src = k.values();
      for (int y = 0; y < kh; y++) {
        for (int x = 0; x < kw; x++) {
          for (int ci = 0; ci < c; ci++) {
            for (int j = 0; j < m; j++) {
              w[((ci * m + j) * kh + y) * kw + x] = src[((y * kw + x) * c + ci) * m + j];
            }
          }
        }
      }
      return new Conv(w, biasOf(bias, c * m), c * m, 1, kh, kw, c);
    }

    private static float[] biasOf(TfjsModel.Tensor bias, int n) {
      if (bias == null) {
        return new float[n];
      }
      if (bias.values().length != n) {
        throw new IllegalArgumentException("bias of " + bias.values().length + " values for " + n + " filters");
      }
      return bias.values().clone();
    }

    /**
     * Folds a following batch normalization into the weights: y = (conv - mean) * gamma / sqrt(var + eps)
     * + beta; gamma or beta null mean 1 and 0.
     */
    void foldBatchNorm(float[] gamma, float[] beta, float[] mean, float[] var, double eps) {
      int per = w.length / out;
      for (int o = 0; o < out; o++) {
        double s = (gamma == null ? 1.0 : gamma[o]) / Math.sqrt(var[o] + eps);
        for (int i = 0; i < per; i++) {
          w[o * per + i] = (float) (w[o * per + i] * s);
        }
        b[o] = (float) ((b[o] - mean[o]) * s + (beta == null ? 0.0 : beta[o]));
      }
    }

    /** Emits the convolution and its activation; returns the output's name. */
    String emit(OnnxGraph g, String name, String input, String output, int strideH, int strideW, int dilH, int dilW,
        Padding pad, Activation act) {
      String wn = g.weight(name + "/W", w, out, inPerGroup, kh, kw);
      String bn = g.weight(name + "/B", b, out);
      List<io.fmselect.embed.onnx.AttributeProto> attrs = new ArrayList<>();
      attrs.add(OnnxGraph.ints("kernel_shape", kh, kw));
      attrs.add(OnnxGraph.ints("strides", strideH, strideW));
      attrs.add(OnnxGraph.ints("dilations", dilH, dilW));
      attrs.add(OnnxGraph.attr("group", group));
      pad.addTo(attrs);
      String conv = act == Activation.NONE ? output : name + "/conv";
      g.node("Conv", conv, List.of(input, wn, bn), attrs.toArray(io.fmselect.embed.onnx.AttributeProto[]::new));
      return activation(g, conv, output, act);
    }
  }

  /** Applies an activation to {@code input}, naming the result {@code output} (NONE: input itself). */
  static String activation(OnnxGraph g, String input, String output, Activation act) {
    return switch (act) {
      case NONE -> input;
      case RELU -> g.node("Relu", output, List.of(input));
      case RELU6 -> g.node("Clip", output, List.of(input, constant(g, "const/zero", 0f), constant(g, "const/six", 6f)));
    };
  }

  /** A scalar float constant, added once. */
  static String constant(OnnxGraph g, String name, float v) {
    if (!g.has(name)) {
      g.weight(name, new float[] {v});
    }
    return name;
  }
}
