package io.fmselect.stream;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which window ends the job publishes ({@code fmselect.publish}): every one, or, when windows close faster than
 * the class stage computes them, the newest one with the ends closed meanwhile folded into it.
 */
public enum Publish {
  /** Every window end where something changed, however far behind the job is. */
  EVERY_WINDOW("every-window"),
  /** Every window end while the job keeps up; under a backlog the ends in between are folded into the newest. */
  LATEST("latest");

  private final String option;

  Publish(String option) {
    this.option = option;
  }

  /** The option's spelling. */
  public String option() {
    return option;
  }

  /** The mode an option value names; throws IllegalArgumentException listing the choices. */
  public static Publish of(String value) {
    for (Publish p : values()) {
      if (p.option.equals(value)) {
        return p;
      }
    }
    throw new IllegalArgumentException(StreamOptions.PUBLISH.key() + " must be one of "
        + Arrays.stream(values()).map(Publish::option).collect(Collectors.joining(", ")) + ", got '" + value + "'");
  }
}
