package io.fmselect.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The plain-Java forms that run where the JVM lacks {@code jdk.incubator.vector}, held to the vector forms
 * in this JVM (which has the module): exact sums bit for bit, the float32 fast path within its bound; and
 * no class but the two holders refers to the module. The whole-program check (select without the module
 * gives the same files) is {@code io.fmselect.cli.VectorFallbackTest}.
 */
class ScalarKernelsTest {

  @Test
  void thisJvmHasTheVectorApi() {
    assertTrue(VectorApi.AVAILABLE, "the build runs its tests with " + VectorApi.JVM_OPTION);
    assertTrue(Kernels.VECTOR);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 4, 5, 8, 13, 37, 64, 100, 768})
  void scalarExactSumsEqualTheVectorOnesBitForBit(int dim) {
    for (boolean asFloat : new boolean[] {true, false}) {
      Embeddings e = KernelsTest.random(203, dim, 31L * dim + (asFloat ? 1 : 0), asFloat);
      assertArrayEquals(ExactSum.columnSums(e, true), ExactSum.columnSums(e, false), 0.0, "dim " + dim);
    }
    // mixed magnitudes: columns where the double sum rounds and the exact fallback runs
    double[][] rows = new double[64][dim];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < dim; j++) {
        rows[i][j] = (i % 3 == 0 ? 1e17 : 1.0 / (i + 1)) * (j % 2 == 0 ? 1 : -1);
      }
    }
    Embeddings m = Embeddings.of(rows);
    assertArrayEquals(ExactSum.columnSums(m, true), ExactSum.columnSums(m, false), 0.0);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 8, 16, 33, 512, 777})
  void scalarFloat32DotsStayWithinTheirBound(int dim) {
    int count = 11;
    Embeddings x = KernelsTest.random(4, dim, 15, true);
    Embeddings c = KernelsTest.random(count, dim, 16, true);
    float[] packed = new float[count * dim];
    for (int k = 0; k < count; k++) {
      System.arraycopy(c.floatBlock(k), c.offset(k), packed, k * dim, dim);
    }
    double g = Kernels.f32DotErrorFactor(dim, ScalarKernels.F32_LANES);
    float[] four = new float[4 * count];
    ScalarKernels.dotsF32x4(x.floatBlock(0), x.offset(0), x.floatBlock(1), x.offset(1), x.floatBlock(2), x.offset(2),
        x.floatBlock(3), x.offset(3), packed, count, dim, four);
    float[] one = new float[count];
    for (int i = 0; i < 4; i++) {
      ScalarKernels.dotsF32(x.floatBlock(i), x.offset(i), packed, count, dim, one, 0);
      for (int k = 0; k < count; k++) {
        assertEquals(one[k], four[i * count + k], 0.0f, "the blocked form is the single-row form");
        BigDecimal exact = BigDecimal.ZERO;
        double absSum = 0;
        for (int j = 0; j < dim; j++) {
          exact = exact.add(new BigDecimal(x.get(i, j)).multiply(new BigDecimal(c.get(k, j))));
          absSum += Math.abs(x.get(i, j) * c.get(k, j));
        }
        double err = Math.abs(exact.subtract(new BigDecimal(one[k])).doubleValue());
        assertTrue(err <= g * absSum * (1 + 1e-12), err + " > " + g * absSum);
      }
    }
  }

  @Test
  void onlyTheHolderClassesReferToTheVectorModule() throws IOException {
    List<String> users;
    try (Stream<Path> classes = Files.walk(Path.of("target", "classes"))) {
      users = classes.filter(p -> p.toString().endsWith(".class")).filter(p -> {
        try {
          return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains("jdk/incubator/vector");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).map(p -> Path.of("target", "classes").relativize(p).toString()).sorted().toList();
    }
    assertEquals(List.of("io/fmselect/select/FiniteVector.class", "io/fmselect/select/VectorKernels.class"), users);
  }
}
