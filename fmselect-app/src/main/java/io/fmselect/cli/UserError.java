package io.fmselect.cli;

/** A problem with the user's input: printed as one line, exit code 2, nothing written. */
public final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserError(String message) {
    super(message);
  }
}
