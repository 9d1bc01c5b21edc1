package io.fmselect.models;

import io.fmselect.embed.onnx.OnnxGraph;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Keras (TensorFlow.js layers) image model in ONNX, cut at its pooled feature vector: the layers up to
 * the average pooling that feeds the classifier head's Flatten, that pooling exported as
 * GlobalAveragePool (so that smaller inputs work too), the output [batch, channels] named
 * {@value #OUTPUT}. Keras computes in NHWC, the ONNX graph in NCHW; a convolution followed by batch
 * normalization gets the normalization folded into its weights.
 */
final class KerasConverter {
  static final String OUTPUT = "features";

  private final TfjsModel model;
  private final OnnxGraph g;
  /** channels and side of each value at the model's own input size, to check the cut */
  private final Map<String, int[]> shapes = new HashMap<>();
  /** a ZeroPadding2D output: its input and pads, applied by the convolution or pooling that reads it */
  private final Map<String, Object[]> padded = new HashMap<>();
  private final Map<String, Integer> consumers = new HashMap<>();
  private final Map<String, Map<String, Object>> layersByName = new HashMap<>();
  private final Set<String> done = new HashSet<>();

  private KerasConverter(TfjsModel model, String graphName) {
    this.model = model;
    this.g = new OnnxGraph(graphName);
  }

  /** The converted graph and what it gives. */
  record Result(OnnxGraph graph, int inputSize, int dimension) {}

  static Result convert(TfjsModel model, String graphName) {
    return new KerasConverter(model, graphName).run();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  private static int integer(Object o) {
    return ((Number) o).intValue();
  }

  /** The names of a layer's inputs (first call of the layer). */
  private static List<String> inputs(Map<String, Object> layer) {
    List<Object> nodes = list(layer.get("inbound_nodes"));
    if (nodes.isEmpty()) {
      return List.of();
    }
    if (nodes.size() > 1) {
      throw new IllegalArgumentException("layer " + layer.get("name") + " is called more than once (shared layers are not converted)");
    }
    return list(nodes.get(0)).stream().map(n -> (String) list(n).get(0)).toList();
  }

  private Result run() {
    Map<String, Object> topology = map(model.json.get("modelTopology"));
    Map<String, Object> config = map(map(topology.get("model_config")).get("config"));
    List<Map<String, Object>> layers = list(config.get("layers")).stream().map(KerasConverter::map).toList();
    for (Map<String, Object> l : layers) {
      layersByName.put((String) l.get("name"), l);
      for (String in : inputs(l)) {
        consumers.merge(in, 1, Integer::sum);
      }
    }
    int inputSize = -1;
    for (Map<String, Object> layer : layers) {
      String name = (String) layer.get("name");
      String cls = (String) layer.get("class_name");
      Map<String, Object> c = map(layer.get("config"));
      List<String> in = inputs(layer);
      if (done.contains(name)) {
        continue;
      }
      switch (cls) {
        case "InputLayer" -> {
          List<Object> shape = list(c.get("batch_input_shape"));
          if (shape.size() != 4 || integer(shape.get(3)) != 3 || !shape.get(1).equals(shape.get(2))) {
            throw new IllegalArgumentException("input " + shape + ": a square RGB image (NHWC) was expected");
          }
          inputSize = integer(shape.get(1));
          g.input(name, "batch", 3L, "height", "width");
          shapes.put(name, new int[] {3, inputSize});
        }
        case "ZeroPadding2D" -> {
          List<Object> p = list(c.get("padding"));
          long[] tb = list(p.get(0)).stream().mapToLong(x -> integer(x)).toArray();
          long[] lr = list(p.get(1)).stream().mapToLong(x -> integer(x)).toArray();
          if (tb[0] + tb[1] != lr[0] + lr[1]) {
            throw new IllegalArgumentException(name + ": uneven padding " + p + " is not converted");
          }
          padded.put(name, new Object[] {in.get(0), new Convs.Padding(false, tb[0], lr[0], tb[1], lr[1])});
          int[] s = shapes.get(in.get(0));
          shapes.put(name, new int[] {s[0], (int) (s[1] + tb[0] + tb[1])});
        }
        case "Conv2D", "DepthwiseConv2D" -> conv(layer, cls.equals("DepthwiseConv2D"));
        case "BatchNormalization" -> batchNorm(name, c, in.get(0));
        case "ReLU" -> {
          double slope = c.get("negative_slope") == null ? 0 : ((Number) c.get("negative_slope")).doubleValue();
          double threshold = c.get("threshold") == null ? 0 : ((Number) c.get("threshold")).doubleValue();
          if (slope != 0 || threshold != 0) {
            throw new IllegalArgumentException(name + ": ReLU with a slope or threshold is not converted");
          }
          Object max = c.get("max_value");
          Convs.Activation act;
          if (max == null) {
            act = Convs.Activation.RELU;
          } else if (((Number) max).doubleValue() == 6) {
            act = Convs.Activation.RELU6;
          } else {
            throw new IllegalArgumentException(name + ": ReLU max_value " + max + " is not converted");
          }
          Convs.activation(g, source(in.get(0), name), name, act);
          shapes.put(name, shapes.get(in.get(0)));
        }
        case "Activation" -> {
          Convs.Activation act = activation(name, c);
          if (act == Convs.Activation.NONE) {
            g.node("Identity", name, List.of(source(in.get(0), name)));
          } else {
            Convs.activation(g, source(in.get(0), name), name, act);
          }
          shapes.put(name, shapes.get(in.get(0)));
        }
        case "Add" -> {
          String acc = source(in.get(0), name);
          for (int i = 1; i < in.size(); i++) {
            acc = g.node("Add", i == in.size() - 1 ? name : name + "/" + i, List.of(acc, source(in.get(i), name)));
          }
          shapes.put(name, shapes.get(in.get(0)));
        }
        case "Concatenate" -> {
          int axis = integer(c.get("axis"));
          if (axis != 3 && axis != -1) {
            throw new IllegalArgumentException(name + ": concatenation on axis " + axis + " (only channels are converted)");
          }
          g.node("Concat", name, in.stream().map(x -> source(x, name)).toList(), OnnxGraph.attr("axis", 1));
          int channels = in.stream().mapToInt(x -> shapes.get(x)[0]).sum();
          shapes.put(name, new int[] {channels, shapes.get(in.get(0))[1]});
        }
        case "MaxPooling2D", "AveragePooling2D" -> {
          if (isCut(name)) {
            int[] s = shapes.get(in.get(0));
            List<Object> pool = list(c.get("pool_size"));
            if (integer(pool.get(0)) != s[1] || integer(pool.get(1)) != s[1]) {
              throw new IllegalArgumentException(name + ": the pooling before the head covers " + pool + " of a "
                  + s[1] + "x" + s[1] + " feature map, not all of it");
            }
            String pooled = g.node("GlobalAveragePool", name, List.of(source(in.get(0), name)));
            g.node("Flatten", OUTPUT, List.of(pooled), OnnxGraph.attr("axis", 1));
            g.output(OUTPUT, "batch", (long) s[0]);
            return new Result(g, inputSize, s[0]);
          }
          pool(layer, cls.equals("MaxPooling2D"));
        }
        case "GlobalAveragePooling2D" -> {
          int[] s = shapes.get(in.get(0));
          String pooled = g.node("GlobalAveragePool", name, List.of(source(in.get(0), name)));
          g.node("Flatten", OUTPUT, List.of(pooled), OnnxGraph.attr("axis", 1));
          g.output(OUTPUT, "batch", (long) s[0]);
          return new Result(g, inputSize, s[0]);
        }
        default -> throw new IllegalArgumentException("layer " + name + ": " + cls + " comes before the pooled features"
            + " and is not converted");
      }
    }
    throw new IllegalArgumentException("no average pooling before a Flatten: where the pooled features are is unclear");
  }

  /** Whether this pooling is the last one before the head (its only reader is a Flatten). */
  private boolean isCut(String name) {
    for (Map<String, Object> l : layersByName.values()) {
      if (inputs(l).contains(name)) {
        return "Flatten".equals(l.get("class_name"));
      }
    }
    return false;
  }

  /** The value a layer reads; a ZeroPadding2D output may only be read by a convolution. */
  private String source(String value, String reader) {
    if (padded.containsKey(value)) {
      throw new IllegalArgumentException(reader + ": reads the zero padding " + value + " (only convolutions may)");
    }
    return value;
  }

  private Convs.Activation activation(String name, Map<String, Object> c) {
    String a = String.valueOf(c.get("activation"));
    return switch (a) {
      case "linear" -> Convs.Activation.NONE;
      case "relu" -> Convs.Activation.RELU;
      case "relu6" -> Convs.Activation.RELU6;
      default -> throw new IllegalArgumentException(name + ": activation " + a + " is not converted");
    };
  }

  private static int[] pair(Map<String, Object> c, String key, int dflt) {
    Object v = c.get(key);
    if (v == null) {
      return new int[] {dflt, dflt};
    }
    List<Object> l = list(v);
    return new int[] {integer(l.get(0)), integer(l.get(1))};
  }

  private void conv(Map<String, Object> layer, boolean depthwise) {
    String name = (String) layer.get("name");
    Map<String, Object> c = map(layer.get("config"));
    if (c.get("data_format") != null && !"channels_last".equals(c.get("data_format"))) {
      throw new IllegalArgumentException(name + ": data_format " + c.get("data_format") + " is not converted");
    }
    String in = inputs(layer).get(0);
    Convs.Padding pad = "same".equals(c.get("padding")) ? Convs.Padding.SAME : Convs.Padding.VALID;
    if (padded.containsKey(in)) {
      if (pad.same()) {
        throw new IllegalArgumentException(name + ": 'same' convolution of a zero-padded input is not converted");
      }
      Object[] p = padded.get(in);
      in = (String) p[0];
      pad = (Convs.Padding) p[1];
    }
    boolean bias = !Boolean.FALSE.equals(c.get("use_bias"));
    Convs.Conv conv = depthwise
        ? Convs.Conv.depthwise(model.weight(name + "/depthwise_kernel"), bias ? model.weight(name + "/bias") : null)
        : Convs.Conv.regular(model.weight(name + "/kernel"), bias ? model.weight(name + "/bias") : null);
    if (depthwise && integer(c.getOrDefault("depth_multiplier", 1.0)) != conv.out / conv.group) {
      throw new IllegalArgumentException(name + ": depth_multiplier does not match the kernel");
    }
    int[] stride = pair(c, "strides", 1);
    int[] dil = pair(c, "dilation_rate", 1);
    Convs.Activation act = activation(name, c);
    String output = name;
    // a batch normalization that is the convolution's only reader is folded into its weights
    if (act == Convs.Activation.NONE && consumers.getOrDefault(name, 0) == 1) {
      for (Map<String, Object> l : layersByName.values()) {
        if ("BatchNormalization".equals(l.get("class_name")) && inputs(l).equals(List.of(name))) {
          String bn = (String) l.get("name");
          BnParams p = bnParams(bn, map(l.get("config")));
          conv.foldBatchNorm(p.gamma, p.beta, p.mean, p.var, p.eps);
          done.add(bn);
          output = bn;
        }
      }
    }
    int[] s = shapes.get(in);
    int side = pad.out(s[1], conv.kh, stride[0], dil[0]);
    conv.emit(g, name, in, output, stride[0], stride[1], dil[0], dil[1], pad, act);
    shapes.put(name, new int[] {conv.out, side});
    shapes.put(output, new int[] {conv.out, side});
  }

  private record BnParams(float[] gamma, float[] beta, float[] mean, float[] var, double eps) {}

  private BnParams bnParams(String name, Map<String, Object> c) {
    Object axis = c.get("axis");
    int a = axis instanceof List<?> l ? integer(l.get(0)) : integer(axis);
    if (a != 3 && a != -1) {
      throw new IllegalArgumentException(name + ": batch normalization on axis " + a + " (only channels are converted)");
    }
    float[] gamma = Boolean.FALSE.equals(c.get("scale")) ? null : model.weight(name + "/gamma").values();
    float[] beta = Boolean.FALSE.equals(c.get("center")) ? null : model.weight(name + "/beta").values();
    double eps = c.get("epsilon") == null ? 1e-3 : ((Number) c.get("epsilon")).doubleValue();
    return new BnParams(gamma, beta, model.weight(name + "/moving_mean").values(),
        model.weight(name + "/moving_variance").values(), eps);
  }

  /** A batch normalization that could not be folded: ONNX BatchNormalization. */
  private void batchNorm(String name, Map<String, Object> c, String in) {
    BnParams p = bnParams(name, c);
    int n = p.mean.length;
    float[] gamma = p.gamma != null ? p.gamma : filled(n, 1f);
    float[] beta = p.beta != null ? p.beta : new float[n];
    g.node("BatchNormalization", name, List.of(source(in, name), g.weight(name + "/scale", gamma, n),
        g.weight(name + "/bias", beta, n), g.weight(name + "/mean", p.mean, n), g.weight(name + "/var", p.var, n)),
        OnnxGraph.attr("epsilon", (float) p.eps));
    shapes.put(name, shapes.get(in));
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  private void pool(Map<String, Object> layer, boolean max) {
    String name = (String) layer.get("name");
    Map<String, Object> c = map(layer.get("config"));
    String in = inputs(layer).get(0);
    int[] k = pair(c, "pool_size", 2);
    int[] stride = c.get("strides") == null ? k : pair(c, "strides", 1);
    Convs.Padding pad = "same".equals(c.get("padding")) ? Convs.Padding.SAME : Convs.Padding.VALID;
    List<io.fmselect.embed.onnx.AttributeProto> attrs = new java.util.ArrayList<>();
    attrs.add(OnnxGraph.ints("kernel_shape", k[0], k[1]));
    attrs.add(OnnxGraph.ints("strides", stride[0], stride[1]));
    pad.addTo(attrs);
    if (!max) {
      // TF averages over the window's cells inside the image only
      attrs.add(OnnxGraph.attr("count_include_pad", 0));
    }
    g.node(max ? "MaxPool" : "AveragePool", name, List.of(source(in, name)),
        attrs.toArray(io.fmselect.embed.onnx.AttributeProto[]::new));
    int[] s = shapes.get(in);
    shapes.put(name, new int[] {s[0], pad.out(s[1], k[0], stride[0], 1)});
  }
}
