package io.fmselect.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fmselect.stream.StreamOptions;
import io.fmselect.stream.Topics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code demo} and {@code bench continual} start the job with typed settings ({@link LocalPipeline#job}); they
 * are what {@code run} builds from the equivalent flags.
 */
class LocalPipelineTest {
  private static final String BOOTSTRAP = "127.0.0.1:9";

  /** What {@code run} builds from the local pipeline's flags, written out, and {@code more}. */
  private static RunCommand.Job fromFlags(Path work, Path models, String name, String... more) {
    List<String> args = new ArrayList<>(List.of("--bootstrap-servers", BOOTSTRAP, "--models", models.toString(),
        "--idle-flush", "2s", "--idleness", "1s", "--parallelism", "2", "--group-id", "fmselect-" + name,
        "-D", "execution.checkpointing.interval=2s", "-D", "metrics.fetcher.update-interval=1s",
        "-D", "execution.checkpointing.dir=" + work.resolve("checkpoints").toAbsolutePath().toUri(),
        "-D", "fmselect.transactional-id-prefix=fmselect-" + name + "-" + ProcessHandle.current().pid()));
    args.addAll(List.of(more));
    RunCommand run = new RunCommand();
    new CommandLine(run).parseArgs(args.toArray(String[]::new));
    return run.job();
  }

  private static void assertSame(RunCommand.Job flags, RunCommand.Job typed) throws Exception {
    List<ConfigOption<?>> options = new ArrayList<>(JobFlagsTest.streamOptions());
    options.addAll(List.of(CheckpointingOptions.CHECKPOINTING_INTERVAL, CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, WebOptions.LOG_PATH, TaskManagerOptions.TASK_MANAGER_LOG_PATH));
    for (ConfigOption<?> o : options) {
      assertEquals(flags.conf().getOptional(o), typed.conf().getOptional(o), o.key());
    }
    assertEquals(flags.conf().keySet(), typed.conf().keySet(), "the same settings, Flink's included");
    assertEquals(flags.kafka(), typed.kafka());
    assertEquals(flags.brokerTimeout(), typed.brokerTimeout());
    assertEquals(flags.groupId(), typed.groupId());
    assertEquals(flags.parallelism(), typed.parallelism());
    assertEquals(flags.bounded(), typed.bounded());
    assertEquals(flags.webUi(), typed.webUi());
    assertEquals(flags.inCluster(), typed.inCluster());
  }

  @Test
  void theDemosJobIsWhatRunBuildsFromTheSameFlags(@TempDir Path work) throws Exception {
    Path models = work.resolve("models");
    DemoCommand demo = new DemoCommand();
    new CommandLine(demo).parseArgs("--method", "kcenter", "--fraction", "0.25", "--window", "3s");
    RunCommand.Job typed = LocalPipeline.job(work, models, "demo", BOOTSTRAP, demo.jobOptions(), new java.util.Properties());
    RunCommand.Job flags = fromFlags(work, models, "demo", "--method", "kcenter", "--fraction", "0.25",
        "--window", "3s", "--explain-topic", Topics.EXPLAIN, "--explain-every", "5");
    assertSame(flags, typed);
    assertEquals("kcenter", typed.conf().get(StreamOptions.METHOD));
  }

  @Test
  void theContinualBenchmarksJobIsWhatRunBuildsFromTheSameFlags(@TempDir Path work) throws Exception {
    Path models = work.resolve("models");
    BenchContinualCommand bench = new BenchContinualCommand();
    new CommandLine(bench).parseArgs("--fraction", "0.3");
    RunCommand.Job typed = LocalPipeline.job(work, models, "continual", BOOTSTRAP, bench.jobOptions(), new java.util.Properties());
    assertSame(fromFlags(work, models, "continual", "--method", "ram-apl", "--fraction", "0.3", "--window", "2s"), typed);
  }
}
