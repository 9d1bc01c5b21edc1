package io.fmselect.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * A Flink SQL script run as a user runs one, for the tests (a JVM of its own, see ConfluentConsumersITCase):
 * the statements of a file (each ends with ';' at a line's end) in a table environment in streaming mode on a
 * local MiniCluster. The rows of each SELECT (bounded) are printed to stdout, one per line, their fields
 * tab-separated (maps as {@code {k=v, ...}} in key order, timestamps in ISO 8601, null as {@code null}), then a
 * line {@value #END}.
 */
public final class FlinkSqlQuery {
  /** The line after each query's rows. */
  public static final String END = "-- end of query";

  private FlinkSqlQuery() {}

  public static void main(String[] args) throws Exception {
    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    env.getConfig().set("parallelism.default", "1");
    StringBuilder out = new StringBuilder();
    for (String s : Files.readString(Path.of(args[0])).split(";\\s*(\\n|$)")) {
      if (s.isBlank()) {
        continue;
      }
      TableResult result = env.executeSql(s.strip());
      if (!s.strip().toUpperCase(Locale.ROOT).startsWith("SELECT")) {
        continue;
      }
      try (CloseableIterator<Row> rows = result.collect()) {
        while (rows.hasNext()) {
          Row row = rows.next();
          List<String> fields = new ArrayList<>();
          for (int i = 0; i < row.getArity(); i++) {
            fields.add(text(row.getField(i)));
          }
          out.append(String.join("\t", fields)).append('\n');
        }
      }
      out.append(END).append('\n');
    }
    System.out.print(out);
    System.out.flush();
    // the MiniCluster's threads need not keep this JVM up
    System.exit(0);
  }

  private static String text(Object o) {
    if (o instanceof Map<?, ?> m) {
      return new TreeMap<>(m).toString();
    }
    return o instanceof LocalDateTime t ? DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t) : String.valueOf(o);
  }
}
