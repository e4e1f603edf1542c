import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Prints every configuration key the given Flink jars declare, as JSON: key -> "current",
 * or "deprecated: use <key>" for deprecated fallback keys and options whose field is
 * @Deprecated. Reads the static ConfigOption fields of every class.
 *
 *   java FlinkOptions a.jar b.jar ...
 */
public class FlinkOptions {
  public static void main(String[] args) throws Exception {
    URL[] urls = new URL[args.length];
    for (int i = 0; i < args.length; i++) urls[i] = new File(args[i]).toURI().toURL();
    Map<String, String> keys = new TreeMap<>();
    int unreadable = 0;
    try (URLClassLoader loader = new URLClassLoader(urls, FlinkOptions.class.getClassLoader())) {
      Class<?> optionType = loader.loadClass("org.apache.flink.configuration.ConfigOption");
      for (String jar : args) {
        try (JarFile file = new JarFile(jar)) {
          for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            if (!name.endsWith(".class") || name.contains("$") && !name.contains("Options")) continue;
            String className = name.replace('/', '.').substring(0, name.length() - 6);
            Class<?> type;
            try {
              type = Class.forName(className, false, loader);
              for (Field field : type.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers()) || !optionType.isAssignableFrom(field.getType())) continue;
                field.setAccessible(true);
                Object option = field.get(null);
                if (option == null) continue;
                String key = (String) optionType.getMethod("key").invoke(option);
                boolean deprecated = field.isAnnotationPresent(Deprecated.class);
                keys.merge(key, deprecated ? "deprecated" : "current", (a, b) -> a.equals("current") || b.equals("current") ? "current" : a);
                for (Object fallback : (Iterable<?>) optionType.getMethod("fallbackKeys").invoke(option)) {
                  String fk = (String) fallback.getClass().getMethod("getKey").invoke(fallback);
                  boolean fd = (Boolean) fallback.getClass().getMethod("isDeprecated").invoke(fallback);
                  keys.putIfAbsent(fk, fd ? "deprecated: use " + key : "current");
                }
              }
            } catch (Throwable t) {
              unreadable++;
            }
          }
        }
      }
    }
    StringBuilder json = new StringBuilder("{\n");
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, String> e : keys.entrySet()) lines.add("  \"" + e.getKey() + "\": \"" + e.getValue() + "\"");
    json.append(String.join(",\n", lines)).append("\n}\n");
    System.out.print(json);
    System.err.println(keys.size() + " keys; " + unreadable + " classes could not be read");
  }
}
