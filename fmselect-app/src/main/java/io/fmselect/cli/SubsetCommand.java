package io.fmselect.cli;

import io.fmselect.stream.Topics;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fmselect.avro.SubsetChange;
import io.fmselect.io.AtomicFile;
import io.fmselect.wire.SchemaRegistry;
import io.fmselect.wire.SubsetView;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fmselect subset}: the current subset from the subset topic, through {@link SubsetView}
 * (committed windows only): once, up to the topics' ends at start, or with {@code --follow} after every
 * committed window until stopped. The manifest is replaced atomically each time. A follower started before
 * the job has created the topics says so in one line and waits for them; a one-shot read refuses a missing topic.
 */
@Command(
    name = "subset",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes the current subset, read from the subset topic, to a file.",
      "It reads whole committed windows only (read_committed), up to the ends of the topics at start, and writes"
          + " the selected ids, one per line in ascending order (--format ids), a CSV of every sample the topic has"
          + " a membership event for with its latest event and figures (--format csv), or one JSON object per"
          + " selected sample with its figures and metadata (--format jsonl).",
      "With --follow it keeps the file current, replacing it after each committed window, and prints one line per"
          + " window, until stopped (Ctrl-C) or --max-windows; a follower started before the job has created the"
          + " topics waits for them."
    })
public final class SubsetCommand implements Callable<Integer> {
  @Mixin KafkaClientOptions kafka;

  @Mixin RegistryFlag registry;

  @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = Topics.SUBSET, description = "topic (default: ${DEFAULT-VALUE})")
  String topic;

  @Option(names = "--out", paramLabel = "FILE", required = true, description = "manifest to write (- for standard output: then the report lines go to stderr)")
  Path out;

  @Option(names = "--format", paramLabel = "ids|csv|jsonl", defaultValue = "ids", description = "ids, csv or jsonl (default: ${DEFAULT-VALUE})")
  String format;

  @Option(names = "--follow", description = "keep the manifest current after every committed window until stopped")
  boolean follow;

  @Option(names = "--max-windows", paramLabel = "N", defaultValue = "0",
      description = "with --follow: stop after N committed windows beyond the catch-up (default: ${DEFAULT-VALUE}, never)")
  long maxWindows;

  /**
   * --timeout-s: also how long reading up to the end offsets may go without a record; a follower waits for the
   * subset topic until stopped, for its windows topic this long once the subset topic is there.
   */
  @Mixin BrokerTimeout timeoutOption;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!format.equals("ids") && !format.equals("csv") && !format.equals("jsonl")) {
      throw new UserError("--format must be ids, csv or jsonl, got '" + format + "'");
    }
    if (maxWindows < 0) {
      throw new UserError("--max-windows must be at least 0, got " + maxWindows);
    }
    // the report lines go to stderr when the manifest itself goes to standard output
    io.fmselect.io.OutputTarget target = OutputFiles.checkWritable(out, "--out");
    if (follow && target.isStdout()) {
      throw new UserError("--follow replaces the whole manifest after every window: give --out a file, not standard"
          + " output");
    }
    PrintWriter report = OutputFiles.reportStream(spec, target);
    String outName = OutputFiles.name(out);
    Properties props = registry.apply(kafka.properties());
    RegistryCheck.open(props, java.util.Map.of()); // a registry that does not answer is one line, before Kafka is asked
    Duration timeout = timeoutOption.of(props);
    PrintWriter stderr = spec.commandLine().getErr();
    SubsetView opened;
    try {
      opened = !follow ? SubsetView.open(props, topic, timeout)
          : SubsetView.openWhenCreated(props, topic, timeout, missing -> {
            stderr.println("waiting for topic '" + missing + "' on " + kafka.bootstrapServers);
            stderr.flush();
          });
    } catch (IllegalStateException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) { // the same words as run's
        throw new UserError(BrokerTimeout.unreachable(kafka.bootstrapServers, timeout));
      }
      throw new UserError(e.getMessage());
    } catch (KafkaException e) {
      throw KafkaCheck.failure(kafka.bootstrapServers, e);
    }
    try (SubsetView view = opened) {
      List<SubsetView.Window> caught = view.catchUp(timeout);
      write(view);
      if (!follow) {
        report.printf("%d selected (%d samples with membership events) -> %s%s%n", view.selected().size(),
            view.latest().size(), outName, view.skipped() == 0 ? "" : "; " + view.skipped() + " records skipped: they do not decode");
        report.flush();
        return 0;
      }
      report.printf("caught up: %d windows, %d selected%s -> %s%n", caught.size(), view.selected().size(),
          view.windowEnd() == null ? "" : " at " + view.windowEnd(), outName);
      report.flush();
      AtomicBoolean stop = new AtomicBoolean();
      Thread main = Thread.currentThread();
      Thread hook = new Thread(() -> {
        stop.set(true);
        view.wakeup();
        try {
          main.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Runtime.getRuntime().addShutdownHook(hook);
      long[] seen = {0};
      SubsetView.Listener listener = w -> {
        write(view);
        report.println(WindowLines.line(w.windowEnd(), w.selected(), w.joined().size(), w.left().size(),
            w.relabeled().size()));
        report.flush();
        if (maxWindows > 0 && ++seen[0] >= maxWindows) {
          stop.set(true);
        }
      };
      try {
        while (!stop.get()) {
          try {
            view.follow(listener, stop::get);
          } catch (SchemaRegistry.Unavailable e) { // nothing is lost: the view reads on from that record
            stderr.println(e.getMessage() + "; trying again in 5 s");
            stderr.flush();
            Thread.sleep(5000);
          }
        }
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down already
        }
      }
      return 0;
    } catch (IllegalStateException | SchemaRegistry.Unavailable | SchemaRegistry.Refused e) {
      throw new UserError(e.getMessage());
    } catch (KafkaException e) {
      throw KafkaCheck.failure(kafka.bootstrapServers, e);
    }
  }

  private void write(SubsetView view) throws java.io.IOException {
    Collection<SubsetChange> rows = format.equals("csv") ? view.latest().values() : view.selected().values();
    AtomicFile.write(out, os -> {
      Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
      if (format.equals("csv")) {
        w.write("id,label,selected,event,score,ram,apl,rank,class_size,budget,method,window_end,version\n");
      }
      for (SubsetChange c : rows) {
        switch (format) {
          case "ids" -> w.write(c.getId() + "\n");
          case "csv" -> w.write(c.getId() + "," + c.getLabel() + "," + (c.getSelected() ? 1 : 0) + "," + c.getEvent() + ","
              + c.getScore() + "," + c.getRam() + "," + c.getApl() + "," + c.getRank() + "," + c.getClassSize() + ","
              + c.getBudget() + "," + c.getMethod() + "," + c.getWindowEnd().toEpochMilli() + "," + c.getVersion() + "\n");
          default -> w.write(json(c) + "\n");
        }
      }
      w.flush();
    });
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One selected sample as a JSON object: id, label, figures, window end, metadata (a figure that is not finite is null). */
  static String json(SubsetChange c) throws JsonProcessingException {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", c.getId());
    o.put("label", c.getLabel());
    o.put("score", finite(c.getScore()));
    o.put("ram", finite(c.getRam()));
    o.put("apl", finite(c.getApl()));
    o.put("rank", c.getRank());
    o.put("class_size", c.getClassSize());
    o.put("budget", c.getBudget());
    o.put("event", c.getEvent() == null ? null : c.getEvent().toString());
    o.put("window_end", c.getWindowEnd().toEpochMilli());
    o.put("metadata", new TreeMap<>(c.getMetadata()));
    return JSON.writeValueAsString(o);
  }

  private static Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }
}
