package io.fmselect.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An image-folder data set: one sub-folder per class, classes in name order (label = position),
 * images in name order within each; names starting with '.' are skipped.
 */
public record ImageFolder(List<String> classes, List<Path> images, long[] labels) {

  /** Scans {@code root}; throws IllegalArgumentException with one line when it is not such a folder. */
  public static ImageFolder scan(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException(root + ": not a directory");
    }
    List<String> classes = new ArrayList<>();
    List<Path> images = new ArrayList<>();
    List<Long> labels = new ArrayList<>();
    for (Path c : list(root)) {
      if (!Files.isDirectory(c)) {
        throw new IllegalArgumentException(c + ": expected one folder per class in " + root + ", found a file");
      }
      List<Path> files = list(c);
      for (Path f : files) {
        if (!Files.isRegularFile(f)) {
          throw new IllegalArgumentException(f + ": expected image files in a class folder");
        }
        images.add(f);
        labels.add((long) classes.size());
      }
      classes.add(c.getFileName().toString());
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException(root + ": no images (expected one folder of images per class)");
    }
    return new ImageFolder(classes, images, labels.stream().mapToLong(Long::longValue).toArray());
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }
}
