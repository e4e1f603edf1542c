package com.example.orders;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

/**
 * Reads orders (JSON: order_id, customer, quantity, unit_price) from a Kafka topic and writes each
 * with its total into an Iceberg table of the lakehouse catalog. Exactly once: the Kafka offsets
 * live in Flink's state and the Iceberg sink commits at each checkpoint, so a restart from a
 * savepoint neither loses nor repeats an order.
 *
 * <p>Arguments: --input-topic NAME --output-table NAMESPACE.TABLE. Environment (set by the
 * FlinkDeployment): KAFKA_BOOTSTRAP_SERVERS; CATALOG (Iceberg catalog options, one {@code key:
 * "value"} a line); POLARIS_CLIENT_ID and POLARIS_CLIENT_SECRET.
 */
public final class OrdersEnricher {
  private OrdersEnricher() {}

  public static void main(String[] args) {
    Map<String, String> options = arguments(args);
    String topic = required(options, "input-topic");
    String table = required(options, "output-table");
    if (!table.matches("[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("--output-table (" + table + ") must be namespace.table");
    }
    Map<String, String> catalog = catalogOptions(env("CATALOG"));
    catalog.put("credential", env("POLARIS_CLIENT_ID") + ":" + env("POLARIS_CLIENT_SECRET"));

    TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    tables.executeSql("CREATE CATALOG lakehouse WITH (" + withClause(catalog) + ")");
    tables.executeSql(
        "CREATE TABLE orders_source (order_id BIGINT, customer STRING, quantity INT, unit_price DOUBLE) WITH ("
            + withClause(
                Map.of(
                    "connector", "kafka",
                    "topic", topic,
                    "properties.bootstrap.servers", env("KAFKA_BOOTSTRAP_SERVERS"),
                    "properties.group.id", "flink-orders-enricher",
                    "scan.startup.mode", "earliest-offset",
                    "format", "json"))
            + ")");
    String target = "lakehouse." + table;
    tables.executeSql(
        "CREATE TABLE IF NOT EXISTS " + target
            + " (order_id BIGINT, customer STRING, quantity INT, unit_price DOUBLE, total DOUBLE)");
    tables.executeSql(
        "INSERT INTO " + target
            + " SELECT order_id, customer, quantity, unit_price, quantity * unit_price FROM orders_source");
  }

  static Map<String, String> arguments(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("arguments must be --name value pairs, got " + String.join(" ", args));
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }

  /** The lines of a catalog store file, {@code key: "value"}. */
  static Map<String, String> catalogOptions(String text) {
    Map<String, String> options = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) continue;
      int colon = line.indexOf(':');
      String value = line.substring(colon + 1).trim();
      if (colon < 1 || !value.startsWith("\"") || !value.endsWith("\"")) {
        throw new IllegalArgumentException("CATALOG line must be key: \"value\", got " + line);
      }
      options.put(line.substring(0, colon).trim(), value.substring(1, value.length() - 1));
    }
    return options;
  }

  private static String withClause(Map<String, String> options) {
    return options.entrySet().stream()
        .map(e -> "'" + e.getKey().replace("'", "''") + "' = '" + e.getValue().replace("'", "''") + "'")
        .collect(Collectors.joining(", "));
  }

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) throw new IllegalArgumentException("--" + name + " is missing");
    return value;
  }

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) throw new IllegalStateException(name + " is not set");
    return value;
  }
}
