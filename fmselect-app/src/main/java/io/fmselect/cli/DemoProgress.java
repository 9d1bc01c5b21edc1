package io.fmselect.cli;

import io.fmselect.demo.DemoData;
import io.fmselect.demo.DemoReport;
import io.fmselect.demo.Embedded;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's one progress line: samples sent; embedded, that is in the subset's computation at its last published
 * window end ({@link Embedded}: the subset's fraction is of these); rejected; selected, also as a share of
 * embedded; windows; the encoders' rate; and the injected noisy labels in the subset against a random subset of
 * the embedded samples of the same size. On a terminal the line is redrawn in place; otherwise (a log, a test) a
 * line is printed every five seconds.
 */
final class DemoProgress {
  private final PrintWriter say;
  private final boolean console = System.console() != null;
  private final DemoData data;
  private final FlinkRest rest;
  private final DemoFollower follower;
  private final AtomicLong produced;
  private long lastPrinted = System.nanoTime() - 10_000_000_000L;
  /** Samples out of the embed operator (the web UI's count, ahead of the windows), for the rate. */
  private long encoded;
  /** The encoded count some seconds ago and when it was read, for the current rate. */
  private long rateBase;
  private long rateBaseNanos = System.nanoTime();
  private double rate;
  private int width;

  DemoProgress(PrintWriter say, DemoData data, FlinkRest rest, DemoFollower follower, AtomicLong produced) {
    this.say = say;
    this.data = data;
    this.rest = rest;
    this.follower = follower;
    this.produced = produced;
  }

  /** Redraws the line (at most once a second on a terminal, every five seconds otherwise). */
  void tick() {
    long now = System.nanoTime();
    if (now - lastPrinted < (console ? 1_000_000_000L : 5_000_000_000L)) {
      return;
    }
    lastPrinted = now;
    print(line(), false);
  }

  /**
   * Whether the subset has caught up with everything sent: the last committed window end is at or past the
   * last event time the producer used.
   */
  boolean caughtUp(long lastEventTime) {
    return lastEventTime != Long.MIN_VALUE && follower.lastWindowEnd() >= lastEventTime;
  }

  /**
   * Waits (a few seconds at most) for the embed operator's count, which the web UI refreshes once a second,
   * to cover every sample sent that was not rejected, so that the last rate counts them all.
   */
  void settle() throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (rest != null && encoded + follower.rejected() < produced.get() && System.nanoTime() < deadline) {
      Thread.sleep(250);
      line();
    }
  }

  /** A line of its own above the progress line. */
  void note(String text) {
    if (console) {
      say.print("\r" + " ".repeat(width) + "\r");
      width = 0;
    }
    say.println(text);
    say.flush();
    lastPrinted = System.nanoTime() - 10_000_000_000L;
  }

  /** The final line, followed by a newline. */
  void finish(String label) {
    print(line() + " (" + label + ")", true);
  }

  String line() {
    if (rest != null) {
      try {
        OptionalDouble e = rest.metric("embed", "numRecordsOut");
        if (e.isPresent()) {
          encoded = (long) e.getAsDouble();
        }
      } catch (Exception e) {
        // the job is starting or stopping: keep the last figure
      }
    }
    DemoFollower.Published at = follower.published();
    var selected = at.selected();
    Embedded.Count embedded = follower.embedded(at).count(data);
    long noisyIn = selected.keySet().stream().filter(data::noisy).count();
    double expected = embedded.samples() == 0 ? 0 : selected.size() * (double) embedded.noisy() / embedded.samples();
    long now = System.nanoTime();
    if (now - rateBaseNanos >= 5_000_000_000L) {
      rate = (encoded - rateBase) / ((now - rateBaseNanos) / 1e9);
      rateBase = encoded;
      rateBaseNanos = now;
    }
    return String.format(Locale.ROOT,
        "sent %,d | embedded %,d | rejected %,d | selected %,d (%s of embedded) | windows %,d | encoding %.0f samples/s"
            + " | noisy labels in subset %,d (random subset: %.1f)",
        produced.get(), embedded.samples(), follower.rejected(), selected.size(),
        DemoReport.percentOf(selected.size(), embedded.samples()), follower.windowCount(), rate, noisyIn, expected);
  }

  private void print(String line, boolean last) {
    if (console) {
      String padded = line.length() < width ? line + " ".repeat(width - line.length()) : line;
      width = line.length();
      say.print("\r" + padded + (last ? System.lineSeparator() : ""));
    } else {
      say.println(line);
    }
    say.flush();
  }
}
