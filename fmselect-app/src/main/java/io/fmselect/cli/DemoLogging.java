package io.fmselect.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;

/**
 * The demo owns the terminal: its progress line replaces the per-window log lines, which still go to the
 * log file (and so to the Flink web UI's log tabs).
 */
final class DemoLogging {
  private DemoLogging() {}

  static void quietConsole() {
    if (!(LogManager.getContext(false) instanceof LoggerContext ctx)) {
      return; // another logging backend: leave it as it is
    }
    Configuration config = ctx.getConfiguration();
    config.getLoggerConfig("io.fmselect").removeAppender("stderr");
    config.getRootLogger().removeAppender("stderr");
    ctx.updateLoggers();
  }
}
