package io.fmselect.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Working folders: removed with everything in them, made empty, or measured. */
public final class Folders {
  private Folders() {}

  /** Deletes {@code dir} and everything under it; nothing if it does not exist. */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Bytes in the regular files under {@code dir} (a file that goes meanwhile counts nothing). */
  public static long bytes(Path dir) throws IOException {
    long n = 0;
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        try {
          n += Files.size(p);
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    }
    return n;
  }

  /** Makes {@code dir} an empty folder, deleting what it held. */
  public static void recreate(Path dir) throws IOException {
    delete(dir);
    Files.createDirectories(dir);
  }
}
