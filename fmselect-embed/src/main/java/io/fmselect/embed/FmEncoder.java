package io.fmselect.embed;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.util.Arrays;

/**
 * One foundation model loaded through DJL from its exported file (ONNX through ONNX Runtime, or
 * TorchScript through PyTorch), as its {@link ModelSpec} says. Opened once (per TaskManager in the
 * stream, per run offline), checked on a test input when it opens, closed when done. Predictors are
 * not thread-safe: each worker thread takes its own {@link Worker}.
 */
public final class FmEncoder implements AutoCloseable {
  private final ModelSpec spec;
  private final ZooModel<NDList, NDList> model;

  /** A model that cannot be used as its spec says. */
  public static final class ModelException extends Exception {
    private static final long serialVersionUID = 1L;

    ModelException(ModelSpec spec, String message, Throwable cause) {
      super(spec.file() + ": " + message, cause);
    }
  }

  private FmEncoder(ModelSpec spec, ZooModel<NDList, NDList> model) {
    this.spec = spec;
    this.model = model;
  }

  /**
   * Loads the model and runs it once on a blank image, which must give an embedding of the spec's
   * dimension under the spec's output and pooling.
   *
   * @param intraOpThreads threads one inference may use
   */
  public static FmEncoder open(ModelSpec spec, int intraOpThreads) throws ModelException {
    if (spec.engine().equals("PyTorch")) {
      // libtorch's thread pools are per process, sized once when the engine starts: the first PyTorch FM
      // of a JVM sizes them (a -D on the JVM wins over both)
      System.getProperties().putIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(intraOpThreads));
      System.getProperties().putIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    }
    Device device = spec.device().equals("cpu") ? Device.cpu()
        : Device.gpu(Integer.parseInt(spec.device().substring("gpu:".length())));
    if (device.isGpu()) {
      checkGpu(spec, device.getDeviceId());
    }
    Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
        .optModelPath(spec.model()).optEngine(spec.engine()).optDevice(device)
        .optOption("interOpNumThreads", "1").optOption("intraOpNumThreads", Integer.toString(intraOpThreads))
        .optTranslator(new NoopTranslator()).build();
    ZooModel<NDList, NDList> model;
    try {
      model = criteria.loadModel();
    } catch (Exception | UnsatisfiedLinkError e) {
      throw new ModelException(spec, "cannot load " + spec.model() + " with " + spec.engine() + ": "
          + firstLine(e.getMessage()), e);
    }
    FmEncoder enc = new FmEncoder(spec, model);
    try (Worker w = enc.newWorker()) {
      w.embed(new float[3 * spec.inputSize() * spec.inputSize()], 1);
    } catch (ModelException e) {
      model.close();
      throw e;
    }
    return enc;
  }

  /** A spec's GPU must be there, and the engine built for it, or the engine's own error is unreadable. */
  private static void checkGpu(ModelSpec spec, int id) throws ModelException {
    if (spec.engine().equals("OnnxRuntime")) {
      if (!ai.onnxruntime.OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA)) {
        throw new ModelException(spec, "'device: " + spec.device() + "' needs ONNX Runtime with CUDA: build"
            + " fmselect with the gpu profile (mvn -Pgpu, CUDA 12 and cuDNN 9 on the machine)", null);
      }
    }
    int gpus;
    try {
      gpus = Engine.getEngine(spec.engine()).getGpuCount();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new ModelException(spec, "cannot start " + spec.engine() + ": " + firstLine(e.getMessage()), e);
    }
    if (id >= gpus) {
      throw new ModelException(spec, "'device: " + spec.device() + "' but " + spec.engine() + " sees "
          + gpus + " GPU" + (gpus == 1 ? "" : "s") + " here", null);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  public ModelSpec spec() {
    return spec;
  }

  /** A predictor for one thread. */
  public Worker newWorker() {
    return new Worker(model.newPredictor());
  }

  /** Runs the model for one thread. */
  public final class Worker implements AutoCloseable {
    private final Predictor<NDList, NDList> predictor;

    private Worker(Predictor<NDList, NDList> predictor) {
      this.predictor = predictor;
    }

    /**
     * Embeddings of {@code n} preprocessed images, laid out one after the other in {@code chw}
     * (3 x input_size x input_size each): one row of the spec's dimension per image.
     */
    public float[][] embed(float[] chw, int n) throws ModelException {
      int s = spec.inputSize();
      try (NDManager m = model.getNDManager().newSubManager()) {
        NDArray x = m.create(chw, new Shape(n, 3, s, s));
        NDList out;
        try {
          out = predictor.predict(new NDList(x));
        } catch (Exception e) {
          throw new ModelException(spec, "inference failed: " + e.getMessage(), e);
        }
        NDArray o = output(out);
        if (o.getShape().dimension() == 3) {
          o = switch (spec.pooling()) {
            case CLS -> o.get(":, 0, :");
            case MEAN -> o.mean(new int[] {1});
            case NONE -> throw new ModelException(spec, "output '" + spec.output() + "' has shape " + o.getShape()
                + ": set 'pooling' to cls or mean", null);
          };
        }
        Shape shape = o.getShape();
        if (shape.dimension() != 2 || shape.get(0) != n || shape.get(1) != spec.dimension()) {
          throw new ModelException(spec, "output '" + spec.output() + "' has shape " + shape + ", expected ("
              + n + ", " + spec.dimension() + ") for 'dimension: " + spec.dimension() + "'", null);
        }
        float[] flat = o.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
          rows[i] = Arrays.copyOfRange(flat, i * spec.dimension(), (i + 1) * spec.dimension());
        }
        return rows;
      }
    }

    private NDArray output(NDList out) throws ModelException {
      String want = spec.output();
      if (want.matches("[0-9]+")) {
        int i = Integer.parseInt(want);
        if (i < out.size()) {
          return out.get(i);
        }
      } else {
        NDArray named = out.get(want);
        if (named != null) {
          return named;
        }
      }
      StringBuilder have = new StringBuilder();
      for (int i = 0; i < out.size(); i++) {
        have.append(i == 0 ? "" : ", ").append(i).append(": '").append(out.get(i).getName()).append("'");
      }
      throw new ModelException(spec, "no output '" + want + "' (the model has " + have + ")", null);
    }

    @Override
    public void close() {
      predictor.close();
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
