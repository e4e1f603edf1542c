package io.github.akslakehouse.abfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider as Flink runs it: in one class loader with the real flink-azure-fs-hadoop
 * 1.20.0 plugin jar (as in /opt/flink/plugins/azure-fs-hadoop/), configured the way the
 * charts configure it, and asked for a token by ABFS itself (AbfsConfiguration.getTokenProvider,
 * which accepts a custom provider only with auth type Custom in hadoop-azure 3.3.4).
 */
class PluginLoadingTest {
  @TempDir Path dir;

  @Test
  void abfsOfThePluginJarLoadsTheProviderAndGetsAToken() throws Exception {
    Path pluginJar = Path.of(System.getProperty("plugin.jar"));
    Path providerClasses = Path.of(System.getProperty("provider.classes"));
    assertTrue(Files.exists(pluginJar), pluginJar.toString());
    Path token = dir.resolve("token");
    Files.writeString(token, "federated");
    // Flink's lib/ (the plugin loader's parent for logging): SLF4J only.
    String[] slf4j = System.getProperty("slf4j.jars").split(java.io.File.pathSeparator);
    URL[] lib = new URL[slf4j.length];
    for (int i = 0; i < slf4j.length; i++) lib[i] = Path.of(slf4j[i]).toUri().toURL();
    try (FakeEntra entra = new FakeEntra();
        URLClassLoader flinkLib = new URLClassLoader(lib, ClassLoader.getPlatformClassLoader());
        URLClassLoader plugin = new URLClassLoader(new URL[] {pluginJar.toUri().toURL(), providerClasses.toUri().toURL()}, flinkLib)) {
      // Flink runs plugin code with the plugin's loader as the context class loader, which is
      // where Hadoop's Configuration looks classes up.
      Thread.currentThread().setContextClassLoader(plugin);
      Class<?> configurationType = plugin.loadClass("org.apache.hadoop.conf.Configuration");
      Object configuration = configurationType.getConstructor(boolean.class).newInstance(false);
      Method set = configurationType.getMethod("set", String.class, String.class);
      String account = "stlakehouse.dfs.core.windows.net";
      set.invoke(configuration, "fs.azure.account.auth.type", "Custom");
      set.invoke(configuration, "fs.azure.account.oauth.provider.type", WorkloadIdentityTokenProvider.class.getName());
      // The webhook's variables, given as the per-account keys the provider also reads.
      set.invoke(configuration, "fs.azure.account.oauth2.client.id", "client-id");
      set.invoke(configuration, "fs.azure.account.oauth2.msi.tenant", "tenant-id");
      set.invoke(configuration, "fs.azure.account.oauth2.token.file", token.toString());
      set.invoke(configuration, "fs.azure.account.oauth2.msi.authority", entra.authority());

      Class<?> abfsConfigurationType = plugin.loadClass("org.apache.hadoop.fs.azurebfs.AbfsConfiguration");
      Object abfs = abfsConfigurationType.getConstructor(configurationType, String.class).newInstance(configuration, account);
      Object tokenProvider = abfsConfigurationType.getMethod("getTokenProvider").invoke(abfs);
      assertEquals("org.apache.hadoop.fs.azurebfs.oauth2.CustomTokenProviderAdapter", tokenProvider.getClass().getName());
      Method getToken = tokenProvider.getClass().getMethod("getToken");
      getToken.setAccessible(true);
      Object azureToken = getToken.invoke(tokenProvider);
      assertEquals("token-1", azureToken.getClass().getMethod("getAccessToken").invoke(azureToken));
      // The provider class came from the plugin's loader, not the test's: the shading and names match the real jar.
      Class<?> adaptee = plugin.loadClass("org.apache.hadoop.fs.azurebfs.extensions.CustomTokenProviderAdaptee");
      assertTrue(adaptee.isAssignableFrom(plugin.loadClass(WorkloadIdentityTokenProvider.class.getName())));
    } finally {
      Thread.currentThread().setContextClassLoader(PluginLoadingTest.class.getClassLoader());
    }
  }
}
