package io.fmselect.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fmselect bench}: the studies of how well the selection does (quality, continual). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Studies of selection quality: bench quality (subsets -> classifiers), bench continual (the stream"
        + " feeding a continual-learning run).",
    subcommands = {BenchQualityCommand.class, BenchContinualCommand.class, CommandLine.HelpCommand.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (quality, continual)");
  }
}
