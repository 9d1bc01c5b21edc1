package io.fmselect.cli;

/**
 * A job that failed for good (its restart strategy gave up): reported as one line with the root cause,
 * exit code 1.
 */
final class JobFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;

  JobFailed(String message) {
    super(message, null, false, false);
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
