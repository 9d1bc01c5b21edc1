package io.fmselect.demo;

import java.io.IOException;
import java.util.List;

/** Where demo images come from, before any injection: items 0..size-1, each with its original class. */
public interface Source {
  /** What the data is, for the console ("Fashion-MNIST (Debian dataset-fashion-mnist)"). */
  String name();

  /** What one item is ("training images", "images"). */
  String unit();

  /** Class names; label = position. */
  List<String> classNames();

  int size();

  /** The original class of item {@code i}. */
  int label(int i);

  /** A unique id for item {@code i}, zero-padded so byte-wise order is item order. */
  String id(int i);

  /** Where item {@code i} comes from ("fashion-mnist:train:123", "generated:7", a file path). */
  String origin(int i);

  /** The encoded image of item {@code i} (PNG unless a file holds another format). */
  byte[] image(int i) throws IOException;
}
