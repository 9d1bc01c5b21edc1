package io.fmselect.models;

import io.fmselect.embed.onnx.OnnxGraph;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A TensorFlow.js graph model (a frozen TF graph in NHWC) in ONNX (NCHW), up to and including the node
 * whose name ends with a given suffix (the feature vector), which must be a Squeeze of an average pooling
 * over the whole feature map: that pooling becomes GlobalAveragePool, and the output [batch, channels]
 * is named {@value KerasConverter#OUTPUT}. Converted ops: Placeholder, Const, Identity, Mul/Sub/AddV2/Add
 * (elementwise), _FusedConv2D and FusedDepthwiseConv2dNative (BiasAdd with an optional Relu/Relu6),
 * Conv2D, DepthwiseConv2dNative, Relu, Relu6, AvgPool, MaxPool, Squeeze.
 */
final class GraphConverter {
  private final TfjsModel model;
  private final OnnxGraph g;
  private final Map<String, Map<String, Object>> nodes = new HashMap<>();
  /** channels and side of each converted value at the model's own input size */
  private final Map<String, int[]> shapes = new HashMap<>();
  private final Map<String, String> converted = new HashMap<>();
  private int inputSize = -1;

  private GraphConverter(TfjsModel model, String graphName) {
    this.model = model;
    this.g = new OnnxGraph(graphName);
  }

  static KerasConverter.Result convert(TfjsModel model, String graphName, String outputSuffix) {
    GraphConverter c = new GraphConverter(model, graphName);
    return c.run(outputSuffix);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }

  private KerasConverter.Result run(String outputSuffix) {
    Map<String, Object> topology = map(model.json.get("modelTopology"));
    String target = null;
    for (Object o : list(topology.get("node"))) {
      Map<String, Object> n = map(o);
      String name = (String) n.get("name");
      nodes.put(name, n);
      if (name.endsWith(outputSuffix)) {
        target = name;
      }
    }
    if (target == null) {
      throw new IllegalArgumentException("no node named ..." + outputSuffix);
    }
    Map<String, Object> squeeze = nodes.get(target);
    String poolName = inputs(squeeze).get(0);
    Map<String, Object> pool = nodes.get(poolName);
    if (!"Squeeze".equals(squeeze.get("op")) || !"AvgPool".equals(pool.get("op"))) {
      throw new IllegalArgumentException(target + ": not a Squeeze of an AvgPool (" + squeeze.get("op") + " of "
          + pool.get("op") + ")");
    }
    String features = value(inputs(pool).get(0));
    int[] s = shapes.get(features);
    List<Long> k = ints(pool, "ksize");
    if (k.get(1) != s[1] || k.get(2) != s[1]) {
      throw new IllegalArgumentException(poolName + ": pools " + k + " of a " + s[1] + "x" + s[1] + " feature map, not all of it");
    }
    String pooled = g.node("GlobalAveragePool", poolName, List.of(features));
    g.node("Flatten", KerasConverter.OUTPUT, List.of(pooled), OnnxGraph.attr("axis", 1));
    g.output(KerasConverter.OUTPUT, "batch", (long) s[0]);
    return new KerasConverter.Result(g, inputSize, s[0]);
  }

  private static List<String> inputs(Map<String, Object> n) {
    List<String> in = new ArrayList<>();
    for (Object o : list(n.get("input"))) {
      String s = (String) o;
      if (s.startsWith("^")) {
        continue; // a control dependency: no data
      }
      in.add(s.endsWith(":0") ? s.substring(0, s.length() - 2) : s);
    }
    return in;
  }

  private static Map<String, Object> attr(Map<String, Object> n, String key) {
    Object a = map(n.get("attr")).get(key);
    return a == null ? null : map(a);
  }

  private static String string(Map<String, Object> n, String key) {
    Map<String, Object> a = attr(n, key);
    return a == null ? null : new String(Base64.getDecoder().decode((String) a.get("s")), StandardCharsets.UTF_8);
  }

  private static List<Long> ints(Map<String, Object> n, String key) {
    Map<String, Object> a = attr(n, key);
    if (a == null) {
      return null;
    }
    List<Long> out = new ArrayList<>();
    for (Object o : list(map(a.get("list")).get("i"))) {
      out.add(Long.parseLong(String.valueOf(o)));
    }
    return out;
  }

  private static List<String> strings(Map<String, Object> n, String key) {
    Map<String, Object> a = attr(n, key);
    List<String> out = new ArrayList<>();
    if (a != null) {
      for (Object o : list(map(a.get("list")).get("s"))) {
        out.add(new String(Base64.getDecoder().decode((String) o), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** The ONNX value of a TF node's output, converting the node (and what it reads) first. */
  private String value(String name) {
    String done = converted.get(name);
    if (done != null) {
      return done;
    }
    Map<String, Object> n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException("node " + name + " is read but not in the graph");
    }
    String op = (String) n.get("op");
    String out = switch (op) {
      case "Placeholder" -> placeholder(name, n);
      case "Const" -> constant(name);
      case "Identity" -> {
        String in = value(inputs(n).get(0));
        shapes.put(name, shapes.get(inputs(n).get(0)));
        yield in;
      }
      case "Mul", "Sub", "AddV2", "Add" -> elementwise(name, n, op);
      case "_FusedConv2D", "FusedDepthwiseConv2dNative", "Conv2D", "DepthwiseConv2dNative" -> conv(name, n, op);
      case "Relu", "Relu6" -> {
        String in = value(inputs(n).get(0));
        shapes.put(name, shapes.get(in));
        yield Convs.activation(g, in, name, op.equals("Relu") ? Convs.Activation.RELU : Convs.Activation.RELU6);
      }
      case "AvgPool", "MaxPool" -> pool(name, n, op);
      default -> throw new IllegalArgumentException("node " + name + ": op " + op + " is not converted");
    };
    converted.put(name, out);
    return out;
  }

  private String placeholder(String name, Map<String, Object> n) {
    List<Object> dims = list(map(map(attr(n, "shape").get("shape"))).get("dim"));
    if (dims.size() != 4 || !"3".equals(String.valueOf(map(dims.get(3)).get("size")))) {
      throw new IllegalArgumentException("input " + name + ": a batch of RGB images (NHWC) was expected");
    }
    inputSize = Integer.parseInt(String.valueOf(map(dims.get(1)).get("size")));
    String in = g.input("image", "batch", 3L, "height", "width");
    shapes.put(name, new int[] {3, inputSize});
    return in;
  }

  /** A Const read as data (not as a kernel): scalars as they are, a per-channel vector as [C, 1, 1]. */
  private String constant(String name) {
    TfjsModel.Tensor t = model.weight(name);
    if (t.shape().length == 0) {
      return g.weight(name, t.values());
    }
    if (t.shape().length == 1) {
      return g.weight(name, t.values(), t.shape()[0], 1, 1);
    }
    throw new IllegalArgumentException("constant " + name + " of shape " + java.util.Arrays.toString(t.shape())
        + " is read as data (not converted)");
  }

  private String elementwise(String name, Map<String, Object> n, String op) {
    List<String> in = inputs(n);
    String a = value(in.get(0));
    String b = value(in.get(1));
    int[] s = shapes.containsKey(in.get(0)) ? shapes.get(in.get(0)) : shapes.get(in.get(1));
    shapes.put(name, s);
    String onnxOp = switch (op) {
      case "Mul" -> "Mul";
      case "Sub" -> "Sub";
      default -> "Add";
    };
    return g.node(onnxOp, name, List.of(a, b));
  }

  private static void checkNhwc(String name, Map<String, Object> n) {
    String format = string(n, "data_format");
    if (format != null && !format.equals("NHWC")) {
      throw new IllegalArgumentException("node " + name + ": data_format " + format + " is not converted");
    }
  }

  private static Convs.Padding padding(String name, Map<String, Object> n) {
    String p = string(n, "padding");
    return switch (p) {
      case "SAME" -> Convs.Padding.SAME;
      case "VALID" -> Convs.Padding.VALID;
      default -> throw new IllegalArgumentException("node " + name + ": padding " + p + " is not converted");
    };
  }

  private String conv(String name, Map<String, Object> n, String op) {
    checkNhwc(name, n);
    List<String> in = inputs(n);
    boolean depthwise = op.contains("Depthwise");
    boolean fused = op.startsWith("_Fused") || op.startsWith("Fused");
    Convs.Activation act = Convs.Activation.NONE;
    TfjsModel.Tensor bias = null;
    if (fused) {
      List<String> ops = strings(n, "fused_ops");
      if (ops.isEmpty() || !ops.get(0).equals("BiasAdd") || ops.size() > 2) {
        throw new IllegalArgumentException("node " + name + ": fused ops " + ops + " are not converted");
      }
      if (ops.size() == 2) {
        act = switch (ops.get(1)) {
          case "Relu" -> Convs.Activation.RELU;
          case "Relu6" -> Convs.Activation.RELU6;
          default -> throw new IllegalArgumentException("node " + name + ": fused op " + ops.get(1) + " is not converted");
        };
      }
      bias = model.weight(in.get(2));
    }
    TfjsModel.Tensor kernel = model.weight(in.get(1));
    Convs.Conv conv = depthwise ? Convs.Conv.depthwise(kernel, bias) : Convs.Conv.regular(kernel, bias);
    List<Long> strides = ints(n, "strides");
    List<Long> dil = ints(n, "dilations");
    if (dil == null) {
      dil = List.of(1L, 1L, 1L, 1L);
    }
    Convs.Padding pad = padding(name, n);
    String x = value(in.get(0));
    int[] s = shapes.get(in.get(0));
    shapes.put(name, new int[] {conv.out, pad.out(s[1], conv.kh, strides.get(1).intValue(), dil.get(1).intValue())});
    return conv.emit(g, name, x, name, strides.get(1).intValue(), strides.get(2).intValue(), dil.get(1).intValue(),
        dil.get(2).intValue(), pad, act);
  }

  private String pool(String name, Map<String, Object> n, String op) {
    checkNhwc(name, n);
    String x = value(inputs(n).get(0));
    List<Long> k = ints(n, "ksize");
    List<Long> st = ints(n, "strides");
    Convs.Padding pad = padding(name, n);
    List<io.fmselect.embed.onnx.AttributeProto> attrs = new ArrayList<>();
    attrs.add(OnnxGraph.ints("kernel_shape", k.get(1), k.get(2)));
    attrs.add(OnnxGraph.ints("strides", st.get(1), st.get(2)));
    pad.addTo(attrs);
    if (op.equals("AvgPool")) {
      attrs.add(OnnxGraph.attr("count_include_pad", 0));
    }
    int[] s = shapes.get(inputs(n).get(0));
    shapes.put(name, new int[] {s[0], pad.out(s[1], k.get(1).intValue(), st.get(1).intValue(), 1)});
    return g.node(op.equals("AvgPool") ? "AveragePool" : "MaxPool", name, List.of(x),
        attrs.toArray(io.fmselect.embed.onnx.AttributeProto[]::new));
  }
}
