package io.fmselect.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code fmselect bench continual}: placeholder until the continual-learning run lands. */
@Command(name = "continual", mixinStandardHelpOptions = true, hidden = true,
    description = "A continual-learning run fed by the stream (not built yet).")
public final class BenchContinualCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("bench continual is not built yet");
  }
}
