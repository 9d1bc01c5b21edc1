package io.fmselect.stream;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToLongFunction;
import org.apache.flink.api.common.state.ListState;

/** Records that wait in keyed state until the watermark passes their event time. */
final class Pending {
  private Pending() {}

  /**
   * Removes from {@code pending} the records with event time {@code <= t} and returns them in
   * event-time order (arrival order among equal times); the others stay.
   */
  static <T> List<T> takeDue(ListState<T> pending, long t, ToLongFunction<T> eventTime) throws Exception {
    List<T> due = new ArrayList<>();
    List<T> later = new ArrayList<>();
    for (T r : pending.get()) {
      (eventTime.applyAsLong(r) <= t ? due : later).add(r);
    }
    if (later.isEmpty()) {
      pending.clear();
    } else {
      pending.update(later);
    }
    due.sort(Comparator.comparingLong(eventTime)); // List.sort is stable
    return due;
  }
}
