package io.fmselect.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code fmselect bench}: the studies of how well the selection does (quality, continual). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Runs studies of how well the selection does.",
        "The quality study trains classifiers on each method's subsets; the continual study feeds the stream to a"
            + " continual-learning run."},
    subcommands = {BenchQualityCommand.class, BenchContinualCommand.class, CommandLine.HelpCommand.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (quality, continual)");
  }
}
