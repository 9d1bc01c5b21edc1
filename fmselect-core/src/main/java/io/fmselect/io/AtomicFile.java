package io.fmselect.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
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
 * Outputs that appear whole or not at all. What a path leads to decides how ({@link OutputTarget}): a
 * regular file (or none yet) gets its content in a temporary file beside it, renamed over it at the end;
 * a symbolic link is followed and its final target written so; a device, FIFO or standard stream is
 * never replaced: its content is staged in a temporary file and copied into it, opened in place, at the
 * end. {@link Batch} groups several outputs so that none is published unless all were written. Files get
 * the permissions of any new file (0666 less the umask, e.g. 0644), not the owner-only 0600 of {@link
 * Files#createTempFile}. {@code -} is standard output.
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

  /**
   * Writing into a device, FIFO or standard stream failed at commit (its reader went away, the device is
   * full): a failure of the place written to, not of the program; the message names the target.
   */
  public static final class WriteFailed extends IOException {
    private static final long serialVersionUID = 1L;
    private final boolean standardOutput;

    WriteFailed(String message, IOException cause, boolean standardOutput) {
      super(message, cause);
      this.standardOutput = standardOutput;
    }

    /**
     * Whether it was standard output that could not be written: its reader went away (as {@code | head}
     * does once it has its lines), which a command line tool leaves without a word, as SIGPIPE would.
     */
    public boolean standardOutput() {
      return standardOutput;
    }
  }

  /** One output written to {@code temp}, to be published to {@code target} on commit. */
  private record Staged(Path temp, OutputTarget target) {}

  /** Several outputs staged as temporary files and published together by {@link #commit()}. */
  public static final class Batch implements AutoCloseable {
    private final List<Staged> staged = new ArrayList<>();
    private boolean committed;

    /**
     * Writes {@code content} to a temporary file: beside the file {@code target} leads to, or, for a
     * target that is not a file (a device, FIFO, standard stream), in the temporary-file folder.
     */
    public void add(Path target, Content content) throws IOException {
      OutputTarget t = OutputTarget.of(target);
      OutputStream out;
      Path tmp;
      if (t.kind() == OutputTarget.Kind.FILE) {
        Path file = t.path();
        Path dir = file.getParent();
        out = null;
        tmp = null;
        while (out == null) {
          // created like any new file (mode 0666 less the umask), under a name nobody else uses
          tmp = dir.resolve("." + file.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
          try {
            out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          } catch (FileAlreadyExistsException e) {
            // taken: draw another name
          }
        }
        staged.add(new Staged(tmp, t));
      } else {
        // never beside it: /dev is not writable, nothing may be created in /proc
        tmp = Files.createTempFile("fmselect-", ".out");
        staged.add(new Staged(tmp, t));
        out = Files.newOutputStream(tmp, StandardOpenOption.WRITE);
      }
      try (OutputStream o = out) {
        content.writeTo(o);
      }
    }

    /**
     * Publishes every staged output: first the ones written in place (a FIFO's reader gone, a full
     * device: a failure there publishes no file), then the renames.
     */
    public void commit() throws IOException {
      for (Staged s : staged) {
        if (s.target().kind() != OutputTarget.Kind.FILE) {
          copyInPlace(s.temp(), s.target());
        }
      }
      for (Staged s : staged) {
        if (s.target().kind() == OutputTarget.Kind.FILE) {
          try {
            Files.move(s.temp(), s.target().path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          } catch (AtomicMoveNotSupportedException e) {
            Files.move(s.temp(), s.target().path(), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      committed = true;
    }

    private static void copyInPlace(Path temp, OutputTarget t) throws WriteFailed {
      String name = switch (t.kind()) {
        case STDOUT -> "standard output";
        case STDERR -> "standard error";
        default -> t.path().toString();
      };
      try {
        switch (t.kind()) {
          case STDOUT -> toStream(temp, System.out);
          case STDERR -> toStream(temp, System.err);
          default -> {
            // opened as it is: no create, no truncate (a device or FIFO has nothing to truncate); a
            // descriptor under /proc is appended to, as a shell's >> would, so that it is not overwritten
            StandardOpenOption mode = t.path().startsWith("/proc") ? StandardOpenOption.APPEND : StandardOpenOption.WRITE;
            try (OutputStream o = Files.newOutputStream(t.path(), mode)) {
              Files.copy(temp, o);
            }
          }
        }
      } catch (IOException e) {
        throw new WriteFailed(name + ": write failed (" + e.getMessage() + ")", e, t.kind() == OutputTarget.Kind.STDOUT);
      }
    }

    /** A PrintStream keeps its errors to itself: a closed pipe must still fail the command. */
    private static void toStream(Path temp, PrintStream stream) throws IOException {
      stream.flush();
      Files.copy(temp, stream);
      stream.flush();
      if (stream.checkError()) {
        throw new IOException("closed before all was written");
      }
    }

    /** Deletes every temporary file left: all of them unless committed, the staging copies always. */
    @Override
    public void close() {
      for (Staged s : staged) {
        if (!committed || s.target().kind() != OutputTarget.Kind.FILE) {
          try {
            Files.deleteIfExists(s.temp());
          } catch (IOException ignored) {
            // best effort: nothing else can be done with a temp file we cannot delete
          }
        }
      }
    }
  }
}
