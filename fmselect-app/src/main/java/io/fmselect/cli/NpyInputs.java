package io.fmselect.cli;

import io.fmselect.io.NpyFormatException;
import io.fmselect.io.NpyHeader;
import io.fmselect.io.NpyMatrix;
import io.fmselect.io.NpyReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code --labels L.npy --features NAME=F.npy ...} inputs shared by the commands: parsed,
 * checked (every header before any data is read) and opened. Problems become {@link UserError}s.
 */
record NpyInputs(long[] labels, List<String> names, NpyMatrix[] features) {

  /** Parses {@code NAME=FILE} specs: names must be non-empty and distinct. */
  static List<String[]> parseSpecs(List<String> specs) {
    List<String[]> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new UserError("--features expects NAME=FILE, got '" + spec + "'");
      }
      String name = spec.substring(0, eq);
      if (!names.add(name)) {
        throw new UserError("feature name '" + name + "' is given twice");
      }
      out.add(new String[] {name, spec.substring(eq + 1)});
    }
    return out;
  }

  /** Checks the headers, then reads the labels and maps the features. */
  static NpyInputs open(Path labelsFile, List<String> featureSpecs) throws IOException {
    List<String[]> specs = parseSpecs(featureSpecs);
    try {
      NpyHeader lh = NpyReader.header(labelsFile);
      if (lh.shape().length != 1) {
        throw new NpyFormatException(labelsFile, "labels must be 1-D, got shape " + lh.shapeText());
      }
      long n = lh.shape()[0];
      if (n == 0) {
        throw new NpyFormatException(labelsFile, "no rows (zero labels)");
      }
      for (String[] s : specs) {
        Path f = Path.of(s[1]);
        NpyHeader fh = NpyReader.header(f);
        if (fh.shape().length == 2 && fh.shape()[0] != n) {
          throw new NpyFormatException(f, "has " + fh.shape()[0] + " rows but " + labelsFile + " has " + n + " labels");
        }
      }
      long[] labels = NpyReader.readLabels(labelsFile);
      NpyMatrix[] features = new NpyMatrix[specs.size()];
      List<String> names = new ArrayList<>();
      for (int i = 0; i < specs.size(); i++) {
        Path f = Path.of(specs.get(i)[1]);
        features[i] = NpyReader.mapFeatures(f);
        if (features[i].dim() == 0) {
          throw new NpyFormatException(f, "features have zero columns");
        }
        names.add(specs.get(i)[0]);
      }
      return new NpyInputs(labels, List.copyOf(names), features);
    } catch (NpyFormatException e) {
      throw new UserError(e.getMessage());
    }
  }
}
