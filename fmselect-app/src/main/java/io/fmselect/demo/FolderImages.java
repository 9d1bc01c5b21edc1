package io.fmselect.demo;

import io.fmselect.embed.ImageFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Images from a folder with one sub-folder per class ({@link ImageFolder}: sorted class names give labels 0..K-1). */
final class FolderImages implements Source {
  private final Path root;
  private final ImageFolder folder;

  private FolderImages(Path root, ImageFolder folder) {
    this.root = root;
    this.folder = folder;
  }

  /** Scans {@code root}; one-line IllegalArgumentException when it is not a folder of class folders with images. */
  static FolderImages scan(Path root) throws IOException {
    return new FolderImages(root, ImageFolder.scan(root));
  }

  @Override
  public String name() {
    return "image folder " + root;
  }

  @Override
  public String unit() {
    return "images";
  }

  @Override
  public List<String> classNames() {
    return folder.classes();
  }

  @Override
  public int size() {
    return folder.images().size();
  }

  @Override
  public int label(int i) {
    return (int) folder.labels()[i];
  }

  @Override
  public String id(int i) {
    return String.format("img-%06d", i);
  }

  @Override
  public String origin(int i) {
    return folder.images().get(i).toString();
  }

  /** The file's bytes as they are (the job decodes PNG, JPEG and whatever else ImageIO reads). */
  @Override
  public byte[] image(int i) throws IOException {
    return Files.readAllBytes(folder.images().get(i));
  }
}
