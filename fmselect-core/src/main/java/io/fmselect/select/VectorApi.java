package io.fmselect.select;

/**
 * Whether this JVM has the JDK's vector API ({@code jdk.incubator.vector}, an incubator module on Java 17
 * that only {@code --add-modules jdk.incubator.vector} resolves). Decided once, when the class initializes.
 *
 * <p>The classes that use the vector API ({@code VectorKernels}, {@code io.FiniteVector}) are only ever
 * touched when it is there: their users ({@link Kernels}, {@link ExactSum}, {@code io.Finite}) branch on
 * {@link #AVAILABLE} before calling them, so a JVM without the module (a stock Flink TaskManager) never
 * loads a class that refers to {@code jdk.incubator.vector} and runs the scalar kernels instead. Those
 * give the same answers: the reference kernels are defined in a fixed order that both forms follow bit for
 * bit, exact sums are exact either way, and the float32 fast path is only trusted within its error bound.
 * Without the module the class says so once, as a WARN line naming the JVM option to add.
 */
public final class VectorApi {
  /** The JVM option that makes the vector API available. */
  public static final String JVM_OPTION = "--add-modules jdk.incubator.vector";

  /** True when the module {@code jdk.incubator.vector} is in the boot layer. */
  public static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  static final String WARNING = "the JDK's vector API (module jdk.incubator.vector) is not in this JVM: fmselect"
      + " selects with its scalar kernels (the same results, slower). Add the JVM option '" + JVM_OPTION + "'"
      + " (on a Flink cluster: env.java.opts.all: " + JVM_OPTION + ")";

  static {
    if (!AVAILABLE) {
      warn();
    }
  }

  private VectorApi() {}

  private static void warn() {
    boolean slf4j;
    try {
      Class.forName("org.slf4j.LoggerFactory", false, VectorApi.class.getClassLoader());
      slf4j = true;
    } catch (ClassNotFoundException | LinkageError e) {
      slf4j = false;
    }
    if (slf4j) {
      Slf4j.warn(WARNING);
    } else {
      // the batch commands may run on a class path without logging (the jar and picocli alone)
      System.err.println("fmselect: WARN: " + WARNING);
    }
  }

  /** Kept apart so that slf4j is only loaded when it is on the class path. */
  private static final class Slf4j {
    static void warn(String message) {
      org.slf4j.LoggerFactory.getLogger(VectorApi.class).warn(message);
    }
  }
}
