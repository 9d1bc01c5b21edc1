package io.fmselect.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs an fmselect command line in this JVM and captures what it prints. */
final class InProcess {
  private InProcess() {}

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    var cl = Main.commandLine();
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    cl.setOut(new PrintWriter(o));
    cl.setErr(new PrintWriter(e));
    return new Run(cl.execute(args), o.toString(), e.toString());
  }
}
