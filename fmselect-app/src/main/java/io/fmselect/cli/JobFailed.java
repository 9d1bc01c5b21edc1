package io.fmselect.cli;

/**
 * A job that failed for good (its restart strategy gave up: exit code 1), or one that ran and did nothing
 * a user asked for (a bounded run that accepted no sample: {@link RunCommand#ALL_REJECTED}): reported as one
 * line, "fmselect run: error: ...", by {@link Main}'s handler.
 */
final class JobFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  JobFailed(String message) {
    this(message, 1);
  }

  JobFailed(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  /** The process's exit code. */
  int exitCode() {
    return exitCode;
  }

  /** The innermost cause of a job's failure, as "Type: first line of its message". */
  static String rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String m = c.getMessage() == null ? "" : c.getMessage().strip();
    int nl = m.indexOf('\n');
    return c.getClass().getName() + (m.isEmpty() ? "" : ": " + (nl < 0 ? m : m.substring(0, nl)));
  }
}
