package io.fmselect.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where an output path given by a user really leads, and so how it may be written without harm:
 * <ul>
 *   <li>{@link Kind#FILE}: a regular file or nothing yet; written atomically (a temporary file beside it,
 *       then renamed over it). A symbolic link is followed to its final target, dangling or not, so the
 *       link stays a link and its target gets the content.</li>
 *   <li>{@link Kind#DIRECT}: anything else that exists (a character or block device, a FIFO, a file
 *       descriptor under {@code /proc}): opened and written in place, never replaced by a rename.</li>
 *   <li>{@link Kind#STDOUT} and {@link Kind#STDERR}: {@code -}, and {@code /dev/stdout}, {@code
 *       /dev/fd/1}, {@code /proc/self/fd/1} (2 for stderr) and the like: this process's own streams.</li>
 * </ul>
 * Replacing a device or FIFO by a rename is what must never happen: as root, {@code --out /dev/null}
 * would put a regular file in the place of the machine's {@code /dev/null}.
 */
public final class OutputTarget {
  /** How a target is written. */
  public enum Kind { FILE, DIRECT, STDOUT, STDERR }

  /** The name that means standard output wherever a file is written. */
  public static final String STDOUT_NAME = "-";

  /** Symbolic links followed before giving up (Linux's own limit). */
  private static final int MAX_LINKS = 40;

  private static final Path PROC = Path.of("/proc");

  /** An output path that cannot be written at all: the path and why. */
  public static final class Unusable extends IOException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    Unusable(Path requested, String reason) {
      super(requested + ": " + reason);
      this.reason = reason;
    }

    /** Why, without the path. */
    public String reason() {
      return reason;
    }
  }

  private final Kind kind;
  private final Path path;
  private final boolean socket;

  private OutputTarget(Kind kind, Path path, boolean socket) {
    this.kind = kind;
    this.path = path;
    this.socket = socket;
  }

  public Kind kind() {
    return kind;
  }

  /** The file to rename onto ({@link Kind#FILE}) or to open ({@link Kind#DIRECT}); null for the standard streams. */
  public Path path() {
    return path;
  }

  /** True for this process's standard output. */
  public boolean isStdout() {
    return kind == Kind.STDOUT;
  }

  /**
   * Why this target cannot be written by this process, or null if it can: the folder of a file must
   * be writable (a rename replaces the file), a device or FIFO itself (its folder, e.g. {@code /dev},
   * need not be).
   */
  public String unwritable() {
    switch (kind) {
      case FILE -> {
        Path dir = path.getParent();
        return Files.isWritable(dir) ? null : "directory " + dir + " is not writable";
      }
      case DIRECT -> {
        if (socket) {
          return path + " is a socket: it cannot be opened as a file";
        }
        return Files.isWritable(path) ? null : path + " is not writable";
      }
      default -> {
        return null;
      }
    }
  }

  /** Whether {@code requested} is the name of standard output, {@code -}. */
  public static boolean isStdoutName(Path requested) {
    return requested.toString().equals(STDOUT_NAME);
  }

  /** Resolves {@code requested}: follows symbolic links and tells files from what is not one. */
  public static OutputTarget of(Path requested) throws IOException {
    if (isStdoutName(requested)) {
      return new OutputTarget(Kind.STDOUT, null, false);
    }
    Path p = requested.toAbsolutePath();
    for (int links = 0; ; links++) {
      Path parent = p.getParent();
      if (parent == null) {
        throw new Unusable(requested, "is a directory");
      }
      Path realParent;
      try {
        realParent = parent.toRealPath();
      } catch (NoSuchFileException e) {
        throw new Unusable(requested, "directory " + parent + " does not exist");
      } catch (AccessDeniedException e) {
        throw new Unusable(requested, "directory " + parent + " cannot be searched (permission denied)");
      }
      if (!Files.isDirectory(realParent)) {
        throw new Unusable(requested, parent + " is not a directory");
      }
      p = realParent.resolve(p.getFileName());
      if (realParent.startsWith(PROC)) {
        // a magic link such as /proc/self/fd/1: what it points at ("pipe:[1234]") is no path to
        // follow, and nothing may be renamed into /proc; it is opened as it is
        return proc(requested, p);
      }
      if (!Files.isSymbolicLink(p)) {
        break;
      }
      if (links == MAX_LINKS) {
        throw new Unusable(requested, "too many levels of symbolic links");
      }
      p = realParent.resolve(Files.readSymbolicLink(p));
    }
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      return new OutputTarget(Kind.FILE, p, false);
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      throw new Unusable(requested, "is a directory");
    }
    return new OutputTarget(Kind.DIRECT, p, isSocket(p));
  }

  /** A path in /proc: this process's fd 1 or 2, or else something opened in place that must exist. */
  private static OutputTarget proc(Path requested, Path p) throws IOException {
    Path dir = p.getParent();
    String name = p.getFileName().toString();
    // /proc/<pid>/fd/N or /proc/<pid>/task/<tid>/fd/N, where /proc/self and /proc/thread-self lead
    boolean ownFd = dir.getFileName() != null && dir.getFileName().toString().equals("fd") && dir.getNameCount() >= 3
        && dir.getName(1).toString().equals(Long.toString(ProcessHandle.current().pid()));
    if (ownFd && name.equals("1")) {
      return new OutputTarget(Kind.STDOUT, null, false);
    }
    if (ownFd && name.equals("2")) {
      return new OutputTarget(Kind.STDERR, null, false);
    }
    if (!Files.exists(p)) {
      throw new Unusable(requested, ownFd ? "no such open file descriptor" : "does not exist (nothing can be created in /proc)");
    }
    if (Files.isDirectory(p)) {
      throw new Unusable(requested, "is a directory");
    }
    return new OutputTarget(Kind.DIRECT, p, isSocket(p));
  }

  /** Whether {@code p} is a Unix domain socket (open(2) refuses those), where the file system tells. */
  private static boolean isSocket(Path p) {
    try {
      Object mode = Files.getAttribute(p, "unix:mode");
      return mode instanceof Integer m && (m & 0170000) == 0140000;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }
}
