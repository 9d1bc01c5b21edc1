package io.fmselect.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --models} and {@code --input-size} of the commands that embed images with fmselect's encoders
 * ({@code demo}, {@code bench continual}, {@code bench quality}): one block.
 */
final class EncoderFlags {
  @Option(names = "--models", paramLabel = "DIR",
      description = "encoder spec folder (default: models/ of fmselect, pulled with npm when empty)")
  Path models;

  @Option(names = "--input-size", paramLabel = "PX", defaultValue = "96",
      description = "input size given to every encoder (default: ${DEFAULT-VALUE}; 0 keeps each spec's own)")
  int inputSize;

  /** The spec folder: {@code --models}, else models/ of fmselect. */
  Path dir() {
    return models != null ? models : Path.of(System.getProperty("fmselect.home", ".")).resolve("models");
  }
}
