package io.fmselect.models;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TensorFlow.js model as nsfwjs bundles it: {@code model.min.js} exports the model JSON (topology and
 * weights manifest), each {@code group1-shardNofM.min.js} exports one weight shard as base64. Weights
 * are decoded as TensorFlow.js decodes them: each group's shards concatenated, the weights one after the
 * other in manifest order; a quantized weight ({@code uint8} or {@code uint16}) is
 * {@code float32(q * scale + min)}, an unquantized one little-endian float32.
 */
final class TfjsModel {
  /** A float32 tensor: its shape, and its values in row-major order. */
  record Tensor(long[] shape, float[] values) {
    int dim(int i) {
      return (int) shape[i];
    }
  }

  final Map<String, Object> json;
  final Map<String, Tensor> weights;

  private TfjsModel(Map<String, Object> json, Map<String, Tensor> weights) {
    this.json = json;
    this.weights = weights;
  }

  /**
   * Reads a model from its bundled files.
   *
   * @param files file name (e.g. {@code model.min.js}) to content, for one model folder
   * @param where the folder, for messages
   */
  @SuppressWarnings("unchecked")
  static TfjsModel read(Map<String, byte[]> files, String where) {
    byte[] model = files.get("model.min.js");
    if (model == null) {
      throw new IllegalArgumentException(where + ": no model.min.js");
    }
    Map<String, Object> json;
    try {
      json = (Map<String, Object>) JsLiteral.exported(new String(model, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(where + "/model.min.js: " + e.getMessage(), e);
    }
    Map<String, Tensor> weights = new LinkedHashMap<>();
    for (Object g : (List<Object>) json.get("weightsManifest")) {
      Map<String, Object> group = (Map<String, Object>) g;
      List<byte[]> parts = new ArrayList<>();
      int total = 0;
      for (Object p : (List<Object>) group.get("paths")) {
        String file = p + ".min.js";
        byte[] js = files.get(file);
        if (js == null) {
          throw new IllegalArgumentException(where + ": weight shard " + file + " is missing");
        }
        Object b64 = JsLiteral.exported(new String(js, StandardCharsets.UTF_8));
        if (!(b64 instanceof String s)) {
          throw new IllegalArgumentException(where + "/" + file + ": does not export a base64 string");
        }
        byte[] bytes = Base64.getDecoder().decode(s);
        parts.add(bytes);
        total += bytes.length;
      }
      ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
      parts.forEach(buf::put);
      buf.flip();
      for (Object w : (List<Object>) group.get("weights")) {
        Map<String, Object> spec = (Map<String, Object>) w;
        String name = (String) spec.get("name");
        long[] shape = ((List<Object>) spec.get("shape")).stream().mapToLong(d -> ((Number) d).longValue()).toArray();
        long count = 1;
        for (long d : shape) {
          count *= d;
        }
        if (!"float32".equals(spec.get("dtype"))) {
          throw new IllegalArgumentException(where + ": weight " + name + " has dtype " + spec.get("dtype")
              + " (only float32 weights are converted)");
        }
        float[] values = new float[Math.toIntExact(count)];
        Map<String, Object> q = (Map<String, Object>) spec.get("quantization");
        try {
          if (q == null) {
            for (int i = 0; i < values.length; i++) {
              values[i] = buf.getFloat();
            }
          } else {
            double min = ((Number) q.get("min")).doubleValue();
            double scale = ((Number) q.get("scale")).doubleValue();
            switch (String.valueOf(q.get("dtype"))) {
              case "uint8" -> {
                for (int i = 0; i < values.length; i++) {
                  values[i] = (float) ((buf.get() & 0xff) * scale + min);
                }
              }
              case "uint16" -> {
                for (int i = 0; i < values.length; i++) {
                  values[i] = (float) ((buf.getShort() & 0xffff) * scale + min);
                }
              }
              default -> throw new IllegalArgumentException(where + ": weight " + name + " is quantized as "
                  + q.get("dtype") + " (uint8 and uint16 are converted)");
            }
          }
        } catch (java.nio.BufferUnderflowException e) {
          throw new IllegalArgumentException(where + ": the weight shards end inside weight " + name);
        }
        weights.put(name, new Tensor(shape, values));
      }
      if (buf.hasRemaining()) {
        throw new IllegalArgumentException(where + ": " + buf.remaining() + " bytes of the weight shards are left over");
      }
    }
    return new TfjsModel(json, weights);
  }

  Tensor weight(String name) {
    Tensor t = weights.get(name);
    if (t == null) {
      throw new IllegalArgumentException("weight '" + name + "' is not in the weights manifest");
    }
    return t;
  }
}
