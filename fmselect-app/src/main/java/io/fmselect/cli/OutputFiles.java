package io.fmselect.cli;

import io.fmselect.io.OutputTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * Checks, before any work, that a command can write an output where the user asked, by the rule of
 * {@link OutputTarget}: a file (or a symbolic link's final target) needs a writable folder, a device or
 * FIFO needs to be writable itself, and {@code -} or {@code /dev/stdout} is standard output.
 */
final class OutputFiles {
  private OutputFiles() {}

  /** Throws a {@link UserError} naming {@code flag} unless {@code file} can be written; returns where it leads. */
  static OutputTarget checkWritable(Path file, String flag) {
    OutputTarget t;
    try {
      t = OutputTarget.of(file);
    } catch (OutputTarget.Unusable e) {
      throw new UserError(flag + " " + file + ": " + e.reason());
    } catch (IOException e) {
      throw new UserError(flag + " " + file + ": cannot be resolved: " + e.getMessage());
    }
    String problem = t.unwritable();
    if (problem != null) {
      throw new UserError(flag + " " + file + ": " + problem);
    }
    return t;
  }

  /** Where a command's own report lines go: stderr when its data goes to standard output, else stdout. */
  static PrintWriter reportStream(CommandLine.Model.CommandSpec spec, OutputTarget... outputs) {
    for (OutputTarget t : outputs) {
      if (t != null && t.isStdout()) {
        return spec.commandLine().getErr();
      }
    }
    return spec.commandLine().getOut();
  }

  /** How a report names an output: "standard output" for {@code -}, else the path as given. */
  static String name(Path file) {
    return OutputTarget.isStdoutName(file) ? "standard output" : file.toString();
  }
}
