package io.fmselect.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Files that appear whole or not at all: content goes to a temporary file beside the target and is
 * renamed over it at the end. {@link Batch} groups several outputs so that none is published unless
 * all were written. Files get the permissions of any new file (0666 less the umask, e.g. 0644), not
 * the owner-only 0600 of {@link Files#createTempFile}.
 */
public final class AtomicFile {
  private AtomicFile() {}

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Writes the content of one file. */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Writes {@code file} atomically. */
  public static void write(Path file, Content content) throws IOException {
    try (Batch b = new Batch()) {
      b.add(file, content);
      b.commit();
    }
  }

  /** Several outputs staged as temporary files and published together by {@link #commit()}. */
  public static final class Batch implements AutoCloseable {
    private final List<Path> temps = new ArrayList<>();
    private final List<Path> targets = new ArrayList<>();
    private boolean committed;

    /** Writes {@code content} to a temporary file beside {@code target}. */
    public void add(Path target, Content content) throws IOException {
      Path abs = target.toAbsolutePath();
      Path dir = abs.getParent();
      OutputStream out = null;
      Path tmp = null;
      while (out == null) {
        // created like any new file (mode 0666 less the umask), under a name nobody else uses
        tmp = dir.resolve("." + abs.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        try {
          out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
          // taken: draw another name
        }
      }
      temps.add(tmp);
      targets.add(abs);
      try (OutputStream o = out) {
        content.writeTo(o);
      }
    }

    /** Renames every staged file over its target. */
    public void commit() throws IOException {
      for (int i = 0; i < temps.size(); i++) {
        try {
          Files.move(temps.get(i), targets.get(i), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temps.get(i), targets.get(i), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      committed = true;
    }

    /** Deletes any staged file not committed. */
    @Override
    public void close() {
      if (!committed) {
        for (Path t : temps) {
          try {
            Files.deleteIfExists(t);
          } catch (IOException ignored) {
            // best effort: nothing else can be done with a temp file we cannot delete
          }
        }
      }
    }
  }
}
