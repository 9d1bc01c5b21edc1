package io.fmselect.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks, before any work, that a command can write an output file where the user asked. */
final class OutputFiles {
  private OutputFiles() {}

  /** Throws a {@link UserError} naming {@code flag} unless {@code file} can be created or replaced. */
  static void checkWritable(Path file, String flag) {
    Path parent = file.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new UserError(flag + " " + file + ": directory " + parent + " does not exist");
    }
    if (Files.isDirectory(file)) {
      throw new UserError(flag + " " + file + ": is a directory");
    }
    if (!Files.isWritable(parent)) {
      throw new UserError(flag + " " + file + ": directory " + parent + " is not writable");
    }
  }
}
