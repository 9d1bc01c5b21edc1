package io.fmselect.cli;

import picocli.CommandLine.Option;

/** {@code --pool} and {@code --test}: how much of Fashion-MNIST a benchmark uses ({@code bench quality}, {@code bench continual}). */
final class FashionMnistFlags {
  @Option(names = "--pool", paramLabel = "N", defaultValue = "10000",
      description = "Fashion-MNIST: training images used, an equal share per class (default: ${DEFAULT-VALUE})")
  int pool;

  @Option(names = "--test", paramLabel = "N", defaultValue = "10000",
      description = "Fashion-MNIST: test images measured on (default: ${DEFAULT-VALUE}, all)")
  int test;
}
