import java.io.FileReader;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.apache.iceberg.connect.IcebergSinkConfig;
import org.apache.iceberg.connect.IcebergSinkConnector;
import org.apache.kafka.common.config.ConfigData;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.runtime.isolation.Plugins;

/**
 * Validates generated Kafka Connect configuration with the programs that will read it:
 * the worker configuration with Connect's DistributedConfig (and Strimzi's forbidden
 * prefixes), each Iceberg sink with the connector's own validation, Connect's
 * SinkConnectorConfig (topics, tasks, converters and transforms load), the sink's config
 * object, and the FileIO class it names. ConfigDef validation ignores keys it does not know,
 * so unknown keys are checked separately: only the documented pass-through prefixes may add
 * keys of their own. Variables (${provider:path:key}) are resolved by Kafka's own
 * ConfigTransformer with the providers the worker declares, each checked to load; a reference to
 * an undeclared provider would reach the sink unresolved, so it fails here. Paths of Strimzi's
 * Kubernetes Secret provider are parsed by the provider's own KubernetesResourceIdentifier.
 *
 *   java ConnectConfigCheck worker.properties connector1.properties ...
 *
 * Prints one line per problem and "N passed, N failed".
 */
public class ConnectConfigCheck {
  /** Strimzi 1.2.0 KafkaConnectSpec.FORBIDDEN_PREFIXES and FORBIDDEN_PREFIX_EXCEPTIONS. */
  static final String[] STRIMZI_FORBIDDEN = {"group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic", "ssl.", "sasl.", "security.", "listeners", "plugin.path", "rest.", "bootstrap.servers", "consumer.interceptor.classes", "producer.interceptor.classes", "prometheus.metrics.reporter."};
  static final Set<String> STRIMZI_ALLOWED = Set.of("ssl.endpoint.identification.algorithm", "ssl.cipher.suites", "ssl.protocol", "ssl.enabled.protocols");
  /** Worker keys that configure the clients and config providers rather than the worker (Connect docs, "Worker configuration"). */
  static final String[] WORKER_PASS_THROUGH = {"consumer.", "producer.", "admin.", "config.providers.", "key.converter.", "value.converter.", "header.converter."};
  /** The sink's pass-through prefixes (IcebergSinkConfig: catalog, Hadoop, Kafka client, table and write properties). */
  static final String[] SINK_PASS_THROUGH = {"iceberg.catalog.", "iceberg.hadoop.", "iceberg.kafka.", "iceberg.table.", "iceberg.tables.auto-create-props.", "iceberg.tables.write-props.", "transforms.", "predicates.", "key.converter.", "value.converter.", "header.converter.", "consumer.override."};
  static final String KUBERNETES_SECRET_PROVIDER = "io.strimzi.kafka.KubernetesSecretConfigProvider";

  /** Config provider name -> class, as the worker declares them. */
  static final Map<String, String> providers = new HashMap<>();

  static int passed = 0;
  static int failed = 0;

  public static void main(String[] args) throws Exception {
    Map<String, String> worker = load(args[0]);
    checkWorker(args[0], worker);
    // Plugins found as the generated worker finds them (its plugin.discovery), so a plugin the
    // worker could not discover fails here too.
    Plugins plugins = new Plugins(Map.of("plugin.discovery", worker.getOrDefault("plugin.discovery", "hybrid_warn")));
    for (int i = 1; i < args.length; i++) {
      Map<String, String> resolved;
      try {
        resolved = resolve(args[i], load(args[i]));
      } catch (RuntimeException e) {
        report("connector " + args[i], List.of("a config variable does not resolve: " + e.getMessage()));
        continue;
      }
      checkConnector(args[i], resolved, plugins);
    }
    System.out.printf("%d passed, %d failed%n", passed, failed);
    System.exit(failed == 0 && passed > 0 ? 0 : 1);
  }

  static void checkWorker(String file, Map<String, String> props) throws Exception {
    List<String> problems = new ArrayList<>();
    for (String key : props.keySet()) {
      if (!key.startsWith("strimzi.")) continue;
      problems.add("internal marker " + key);
    }
    Map<String, String> strimziSpec = new HashMap<>();
    for (Map.Entry<String, String> e : props.entrySet()) {
      if (e.getKey().startsWith("spec.")) strimziSpec.put(e.getKey().substring(5), e.getValue());
    }
    Map<String, String> config = new HashMap<>(props);
    config.keySet().removeIf(k -> k.startsWith("spec."));
    for (String key : config.keySet()) {
      for (String forbidden : STRIMZI_FORBIDDEN) {
        if (key.startsWith(forbidden) && !STRIMZI_ALLOWED.contains(key)) problems.add(key + ": Strimzi forbids it in spec.config");
      }
    }
    for (String name : config.getOrDefault("config.providers", "").split(",")) {
      if (name.isBlank()) continue;
      String type = config.get("config.providers." + name.trim() + ".class");
      try {
        Class.forName(type).asSubclass(ConfigProvider.class).getDeclaredConstructor().newInstance();
        providers.put(name.trim(), type);
      } catch (Throwable e) {
        problems.add("config.providers." + name.trim() + ".class " + type + " does not load as a ConfigProvider: " + e);
      }
    }
    ConfigDef def = configDefOf(DistributedConfig.class);
    for (String key : config.keySet()) {
      if (!def.names().contains(key) && !startsWithAny(key, WORKER_PASS_THROUGH)) problems.add(key + ": not a Kafka Connect worker setting");
    }
    // What Strimzi adds from the KafkaConnect spec, then the worker parses it all.
    Map<String, String> full = new HashMap<>(config);
    full.putAll(strimziSpec);
    full.put("plugin.path", "/opt/kafka/plugins");
    try {
      new DistributedConfig(full);
    } catch (Exception e) {
      problems.add("DistributedConfig rejects it: " + e.getMessage());
    }
    report("worker " + file, problems);
  }

  static void checkConnector(String file, Map<String, String> props, Plugins plugins) throws Exception {
    List<String> problems = new ArrayList<>();
    IcebergSinkConnector connector = new IcebergSinkConnector();
    for (ConfigValue value : connector.config().validate(props)) {
      for (String message : value.errorMessages()) problems.add(value.name() + ": " + message);
    }
    try {
      SinkConnectorConfig.validate(props);
      new SinkConnectorConfig(plugins, props);
    } catch (Exception e) {
      problems.add("SinkConnectorConfig: " + e.getMessage());
    }
    try {
      new IcebergSinkConfig(props);
    } catch (Exception e) {
      problems.add("IcebergSinkConfig: " + e.getMessage());
    }
    String io = props.get("iceberg.catalog.io-impl");
    if (io == null) problems.add("iceberg.catalog.io-impl: missing; the sink would pick a FileIO by itself");
    else {
      try {
        Class.forName(io).getDeclaredConstructor().newInstance();
      } catch (Throwable e) {
        problems.add("iceberg.catalog.io-impl " + io + " does not load: " + e);
      }
    }
    if ("all".equals(props.get("errors.tolerance")) && props.getOrDefault("errors.deadletterqueue.topic.name", "").isBlank()) {
      problems.add("errors.tolerance=all without errors.deadletterqueue.topic.name drops failed records silently");
    }
    for (Map.Entry<String, String> e : props.entrySet()) {
      if (e.getValue().contains("${")) problems.add(e.getKey() + ": " + e.getValue() + " names a config provider the worker does not declare (" + providers.keySet() + "); it would reach the connector unresolved");
    }
    Set<String> known = new TreeSet<>(IcebergSinkConfig.CONFIG_DEF.names());
    known.addAll(SinkConnectorConfig.configDef().names());
    for (String key : props.keySet()) {
      if (!known.contains(key) && !startsWithAny(key, SINK_PASS_THROUGH)) problems.add(key + ": neither a setting of the Iceberg sink or of Connect nor under a pass-through prefix");
    }
    report("connector " + file, problems);
  }

  /**
   * The connector configuration as the worker hands it to the connector: variables resolved by
   * Kafka's ConfigTransformer through the declared providers, each answering with a test value;
   * a Kubernetes Secret path must parse as the Strimzi provider parses it.
   */
  static Map<String, String> resolve(String file, Map<String, String> props) throws Exception {
    Map<String, ConfigProvider> standIns = new HashMap<>();
    Set<String> used = new TreeSet<>();
    for (Map.Entry<String, String> p : providers.entrySet()) {
      standIns.put(p.getKey(), new ConfigProvider() {
        public void configure(Map<String, ?> configs) {}
        public void close() {}
        public ConfigData get(String path) { return get(path, Set.of()); }
        public ConfigData get(String path, Set<String> keys) {
          if (KUBERNETES_SECRET_PROVIDER.equals(p.getValue())) parseKubernetesPath(path);
          Map<String, String> values = new HashMap<>();
          for (String key : keys) {
            values.put(key, "test-" + key);
            used.add("${" + p.getKey() + ":" + path + ":" + key + "}");
          }
          return new ConfigData(values);
        }
      });
    }
    Map<String, String> resolved = new ConfigTransformer(standIns).transform(props).data();
    System.out.println("     " + file + ": resolved for this test: " + (used.isEmpty() ? "nothing" : String.join(", ", used)));
    return resolved;
  }

  /** KubernetesResourceIdentifier.fromConfigString of kafka-kubernetes-config-provider (package-private). */
  static void parseKubernetesPath(String path) {
    try {
      Class<?> identifier = Class.forName("io.strimzi.kafka.KubernetesResourceIdentifier");
      Method parse = identifier.getDeclaredMethod("fromConfigString", Class.forName("io.fabric8.kubernetes.client.Client"), String.class);
      parse.setAccessible(true);
      if (!path.contains("/")) throw new IllegalArgumentException("Secret path " + path + " has no namespace: the provider would use the client's namespace");
      parse.invoke(null, null, path);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw new IllegalArgumentException(e.getCause().getMessage());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** DistributedConfig's ConfigDef (Kafka 4.3: private static config(Crypto), as its constructor builds it). */
  static ConfigDef configDefOf(Class<?> type) throws Exception {
    Class<?> crypto = Class.forName("org.apache.kafka.connect.runtime.distributed.Crypto");
    Method config = type.getDeclaredMethod("config", crypto);
    config.setAccessible(true);
    return (ConfigDef) config.invoke(null, crypto.getField("SYSTEM").get(null));
  }

  static boolean startsWithAny(String key, String[] prefixes) {
    for (String p : prefixes) if (key.startsWith(p)) return true;
    return false;
  }

  static void report(String what, List<String> problems) {
    if (problems.isEmpty()) {
      passed++;
      System.out.println("ok   " + what);
    } else {
      failed++;
      System.out.println("FAIL " + what);
      for (String p : problems) System.out.println("       " + p);
    }
  }

  static Map<String, String> load(String file) throws Exception {
    Properties properties = new Properties();
    try (FileReader reader = new FileReader(file)) {
      properties.load(reader);
    }
    Map<String, String> map = new HashMap<>();
    for (String name : properties.stringPropertyNames()) map.put(name, properties.getProperty(name));
    return map;
  }
}
