package io.fmselect.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Reading a child process's output in tests without hanging on a process that says nothing. */
final class ProcessLines {
  private ProcessLines() {}

  /** The next line of {@code out} (null at its end or if it cannot be read); throws TimeoutException after {@code seconds}. */
  static String next(BufferedReader out, long seconds) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    }).get(seconds, TimeUnit.SECONDS);
  }
}
