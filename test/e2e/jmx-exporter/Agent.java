import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * -javaagent:agent.jar=host:port:config: starts Exporter from the jars in the folders the system
 * property e2e.jmx.exporter.lib lists, in a class loader that sees only them and the JDK, so the
 * exporter's dependencies never meet the application's (Kafka has its own snakeyaml).
 */
public class Agent {
  public static void premain(String argument, Instrumentation instrumentation) throws Exception {
    String[] parts = argument.split(":", 3);
    if (parts.length != 3) throw new IllegalArgumentException("expected host:port:config, got " + argument);
    // As upstream's agent: the platform MBean server exists before the collector asks for it.
    ManagementFactory.getPlatformMBeanServer();
    List<URL> urls = new ArrayList<>();
    for (String folder : System.getProperty("e2e.jmx.exporter.lib").split(File.pathSeparator)) {
      for (File jar : new File(folder).listFiles((dir, name) -> name.endsWith(".jar"))) urls.add(jar.toURI().toURL());
    }
    ClassLoader isolated = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    isolated.loadClass("Exporter").getMethod("start", String.class, int.class, String.class).invoke(null, parts[0], Integer.parseInt(parts[1]), parts[2]);
  }
}
