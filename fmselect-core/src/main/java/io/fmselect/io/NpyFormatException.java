package io.fmselect.io;

import java.nio.file.Path;

/** A .npy file that cannot be used; the message names the file and, where known, row and column. */
public final class NpyFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public NpyFormatException(Path file, String problem) {
    super(file + ": " + problem);
  }
}
