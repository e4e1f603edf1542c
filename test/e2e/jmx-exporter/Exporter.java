import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.File;
import java.net.InetAddress;

/** The JMX collector in agent mode with the rules file, served over HTTP on /metrics. */
public class Exporter {
  public static void start(String host, int port, String config) throws Exception {
    new JmxCollector(new File(config), JmxCollector.Mode.AGENT).register(PrometheusRegistry.defaultRegistry);
    HTTPServer.builder().inetAddress(InetAddress.getByName(host)).port(port).registry(PrometheusRegistry.defaultRegistry).buildAndStart();
  }
}
