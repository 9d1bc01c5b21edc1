package io.fmselect.embed.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Builds an ONNX model (one graph, default domain) on the classes generated from
 * {@code src/main/proto/onnx.proto}: float weights as initializers, nodes with their attributes, and
 * the graph's typed inputs and outputs, where a dimension is a number or a symbolic name. Every value
 * name is checked to be defined once.
 *
 * <pre>
 * OnnxGraph g = new OnnxGraph("tiny");
 * g.input("image", "batch", 3L, "h", "w");
 * String w = g.weight("conv_w", values, 8, 3, 3, 3);
 * g.node("Conv", "conv", List.of("image", w), OnnxGraph.ints("pads", 1, 1, 1, 1));
 * g.output("conv", "batch", 8L, "h", "w");
 * byte[] onnx = g.model("fmselect", 13).toByteArray();
 * </pre>
 */
public final class OnnxGraph {
  /** IR version written: 8 (ONNX 1.10), which every ONNX Runtime of the last years reads. */
  public static final long IR_VERSION = 8;

  private final GraphProto.Builder graph;
  private final Set<String> defined = new HashSet<>();
  private int nodes;

  public OnnxGraph(String name) {
    graph = GraphProto.newBuilder().setName(name);
  }

  /** Adds a float32 weight tensor (row-major {@code values} of shape {@code dims}); returns its name. */
  public String weight(String name, float[] values, long... dims) {
    checkCount(name, values.length, dims);
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    addInitializer(name, TensorProto.DataType.FLOAT, ByteString.copyFrom(b.array()), dims);
    return name;
  }

  /** Adds an int64 constant tensor (shapes, axes); returns its name. */
  public String int64s(String name, long[] values, long... dims) {
    checkCount(name, values.length, dims);
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    addInitializer(name, TensorProto.DataType.INT64, ByteString.copyFrom(b.array()), dims);
    return name;
  }

  private static void checkCount(String name, int count, long[] dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    if (n != count) {
      throw new IllegalArgumentException(name + ": " + count + " values for shape " + java.util.Arrays.toString(dims));
    }
  }

  private void addInitializer(String name, TensorProto.DataType type, ByteString raw, long[] dims) {
    define(name);
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(raw);
    for (long d : dims) {
      t.addDims(d);
    }
    graph.addInitializer(t);
  }

  /** Adds a node with one output; returns the output's name. */
  public String node(String op, String output, java.util.List<String> inputs, AttributeProto... attributes) {
    return node(op, java.util.List.of(output), inputs, attributes)[0];
  }

  /** Adds a node; returns its outputs' names. */
  public String[] node(String op, java.util.List<String> outputs, java.util.List<String> inputs,
      AttributeProto... attributes) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + nodes++);
    for (String in : inputs) {
      if (!in.isEmpty() && !defined.contains(in)) {
        throw new IllegalArgumentException(op + " node: input '" + in + "' is not defined yet");
      }
      n.addInput(in);
    }
    for (String out : outputs) {
      define(out);
      n.addOutput(out);
    }
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return outputs.toArray(String[]::new);
  }

  /** Declares a float32 graph input; each dimension is a number (Long/Integer) or a symbolic name. */
  public String input(String name, Object... dims) {
    define(name);
    graph.addInput(valueInfo(name, dims));
    return name;
  }

  /** Declares a defined value as a float32 graph output. */
  public void output(String name, Object... dims) {
    if (!defined.contains(name)) {
      throw new IllegalArgumentException("output '" + name + "' is not defined");
    }
    graph.addOutput(valueInfo(name, dims));
  }

  private void define(String name) {
    if (!defined.add(name)) {
      throw new IllegalArgumentException("'" + name + "' is defined twice");
    }
  }

  private static ValueInfoProto valueInfo(String name, Object[] dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof Number n) {
        dim.setDimValue(n.longValue());
      } else {
        dim.setDimParam(String.valueOf(d));
      }
      shape.addDim(dim);
    }
    TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber())
        .setShape(shape);
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
  }

  /** The model: this graph, default-domain operator set {@code opset}. */
  public ModelProto model(String producer, int opset) {
    return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName(producer).setGraph(graph)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).build();
  }

  /** Writes the model to a file. */
  public void write(Path file, String producer, int opset) throws IOException {
    java.nio.file.Files.write(file, model(producer, opset).toByteArray());
  }

  /** Whether a value of this name is defined. */
  public boolean has(String name) {
    return defined.contains(name);
  }

  /** The number of nodes so far. */
  public int nodeCount() {
    return nodes;
  }

  /** An INT attribute. */
  public static AttributeProto attr(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  /** A FLOAT attribute. */
  public static AttributeProto attr(String name, float value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
  }

  /** A STRING attribute. */
  public static AttributeProto attr(String name, String value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)).build();
  }

  /** An INTS attribute. */
  public static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }
}
