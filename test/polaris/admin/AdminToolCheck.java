import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Runs the generated Polaris admin-tool arguments through picocli 4.7.7 with the bootstrap
 * command's option model pinned from apache-polaris-1.7.0, then hands the credentials file to the
 * real polaris-core 1.7.0 RootCredentialsSet, as BootstrapCommand.call() does. Polaris classes are
 * loaded by name: they are Java 21 classes and this file is compiled with the machine's JDK 17.
 *
 * Usage:
 *   AdminToolCheck bootstrap <pinned model.json> <credentials file> <expected realm> <arg>...
 *     exit 0 when the tool would bootstrap exactly the expected realm from the file;
 *   AdminToolCheck catalog <catalog.json> <feature>...
 *     exit 0 when every polaris.config.* property of the catalog is a catalog setting of 1.7.0
 *     (PolarisConfiguration.getAllCatalogConfigs) and each named FeatureConfiguration is set to true.
 * Otherwise the reason on stdout and exit 1 (a usage error prints picocli's own message).
 */
public class AdminToolCheck {
  public static void main(String[] argv) throws Exception {
    if (argv[0].equals("catalog")) {
      catalog(argv);
      return;
    }
    argv = Arrays.copyOfRange(argv, 1, argv.length);
    Map<String, Object> model = parseJson(Files.readString(Path.of(argv[0])));
    Path credentialsFile = Path.of(argv[1]);
    String expectedRealm = argv[2];
    String[] args = Arrays.copyOfRange(argv, 3, argv.length);

    CommandLine tool = new CommandLine(commandSpec(model));
    ParseResult parsed;
    try {
      parsed = tool.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      System.out.println("usage error (the admin tool exits " + exitCode(model, "usage") + "): " + e.getMessage());
      System.exit(1);
      return;
    }
    ParseResult bootstrap = parsed.subcommand();
    if (bootstrap == null || !bootstrap.commandSpec().name().equals("bootstrap")) {
      System.out.println("the arguments do not run the bootstrap command: " + String.join(" ", args));
      System.exit(1);
    }
    if (!bootstrap.hasMatchedOption("--credentials-file")) {
      // BootstrapCommand.call(): without a file, realms come from --realm and credentials from
      // --credential; without either --credential or --print-credentials it exits with an error.
      System.out.println("the Job must bootstrap from the credentials file (the platform keeps root credentials in Key Vault), not from --realm/--credential");
      System.exit(1);
    }
    Set<String> realms = realmsFrom(credentialsFile.toUri());
    if (!realms.equals(Set.of(expectedRealm))) {
      System.out.println("the credentials file bootstraps realms " + realms + ", the server serves " + expectedRealm);
      System.exit(1);
    }
    System.out.println("bootstrap " + String.join(" ", args) + ": parsed by picocli with the 1.7.0 model; RootCredentialsSet reads realm " + expectedRealm + " from the file");
  }

  @SuppressWarnings("unchecked")
  static void catalog(String[] argv) throws Exception {
    Map<String, Object> catalog = parseJson(Files.readString(Path.of(argv[1])));
    Map<String, Object> properties = (Map<String, Object>) catalog.get("properties");
    // Loading FeatureConfiguration registers every flag; getAllCatalogConfigs reads that registry.
    Class<?> features = Class.forName("org.apache.polaris.core.config.FeatureConfiguration");
    Class<?> configuration = Class.forName("org.apache.polaris.core.config.PolarisConfiguration");
    Set<String> known = (Set<String>) configuration.getMethod("getAllCatalogConfigs").invoke(null);
    boolean ok = true;
    for (String key : new TreeSet<>(properties.keySet())) {
      if (key.startsWith("polaris.config.") && !known.contains(key)) {
        System.out.println(key + ": not a catalog setting of Polaris 1.7.0");
        ok = false;
      }
    }
    for (String feature : Arrays.copyOfRange(argv, 2, argv.length)) {
      Object flag = features.getField(feature).get(null);
      String key = (String) configuration.getMethod("catalogConfig").invoke(flag);
      Object defaultValue = configuration.getMethod("defaultValue").invoke(flag);
      if (!"true".equals(String.valueOf(properties.get(key)))) {
        System.out.println(feature + ": the catalog must set " + key + "=true (Polaris 1.7.0 default: " + defaultValue + ")");
        ok = false;
      } else {
        System.out.println(feature + ": " + key + "=true (Polaris 1.7.0 default: " + defaultValue + ")");
      }
    }
    if (!ok) System.exit(1);
  }

  /** RootCredentialsSet.fromUri(uri).credentials().keySet(), as BootstrapCommand.call() computes the realms. */
  static Set<String> realmsFrom(URI uri) throws Exception {
    Class<?> set = Class.forName("org.apache.polaris.core.persistence.bootstrap.RootCredentialsSet");
    Object credentials = set.getMethod("fromUri", URI.class).invoke(null, uri);
    Map<?, ?> byRealm = (Map<?, ?>) set.getMethod("credentials").invoke(credentials);
    Set<String> realms = new TreeSet<>();
    for (Map.Entry<?, ?> e : byRealm.entrySet()) {
      Object c = e.getValue();
      String id = (String) c.getClass().getMethod("clientId").invoke(c);
      String secret = (String) c.getClass().getMethod("clientSecret").invoke(c);
      if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
        throw new IllegalStateException("realm " + e.getKey() + " has no client-id or client-secret in " + uri);
      }
      realms.add((String) e.getKey());
    }
    return realms;
  }

  @SuppressWarnings("unchecked")
  static CommandSpec commandSpec(Map<String, Object> model) {
    Map<String, Object> top = (Map<String, Object>) model.get("topCommand");
    Map<String, Object> command = (Map<String, Object>) model.get("command");
    CommandSpec bootstrap = CommandSpec.create().name((String) command.get("name"));
    if (Boolean.TRUE.equals(command.get("mixinStandardHelpOptions"))) bootstrap.mixinStandardHelpOptions(true);
    bootstrap.addArgGroup(group((Map<String, Object>) command.get("argGroup")));
    CommandSpec tool = CommandSpec.create().name((String) top.get("name"));
    if (Boolean.TRUE.equals(top.get("mixinStandardHelpOptions"))) tool.mixinStandardHelpOptions(true);
    tool.addSubcommand(bootstrap.name(), new CommandLine(bootstrap));
    return tool;
  }

  @SuppressWarnings("unchecked")
  static ArgGroupSpec group(Map<String, Object> g) {
    ArgGroupSpec.Builder builder = ArgGroupSpec.builder().exclusive((Boolean) g.get("exclusive"));
    if (g.containsKey("multiplicity")) builder.multiplicity((String) g.get("multiplicity"));
    for (Object o : (List<Object>) g.getOrDefault("options", List.of())) builder.addArg(option((Map<String, Object>) o));
    for (Object sub : (List<Object>) g.getOrDefault("groups", List.of())) builder.addSubgroup(group((Map<String, Object>) sub));
    return builder.build();
  }

  @SuppressWarnings("unchecked")
  static OptionSpec option(Map<String, Object> o) {
    String[] names = ((List<String>) o.get("names")).toArray(new String[0]);
    OptionSpec.Builder b = OptionSpec.builder(names).required(Boolean.TRUE.equals(o.get("required")));
    switch ((String) o.get("type")) {
      case "list" -> b.type(List.class).auxiliaryTypes(String.class);
      case "boolean" -> b.type(boolean.class);
      case "path" -> b.type(Path.class);
      default -> throw new IllegalArgumentException("unknown option type " + o.get("type"));
    }
    if (o.containsKey("paramLabel")) b.paramLabel((String) o.get("paramLabel"));
    return b.build();
  }

  @SuppressWarnings("unchecked")
  static int exitCode(Map<String, Object> model, String name) {
    return ((Number) ((Map<String, Object>) model.get("exitCodes")).get(name)).intValue();
  }

  /** Jackson 3 (a dependency of RootCredentialsSet) reads the pinned model. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> parseJson(String text) throws Exception {
    Class<?> mapperClass = Class.forName("tools.jackson.databind.json.JsonMapper");
    Object mapper = mapperClass.getConstructor().newInstance();
    return (Map<String, Object>) mapperClass.getMethod("readValue", String.class, Class.class).invoke(mapper, text, Map.class);
  }
}
