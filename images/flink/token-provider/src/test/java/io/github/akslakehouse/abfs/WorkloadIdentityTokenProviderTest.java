package io.github.akslakehouse.abfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadIdentityTokenProviderTest {
  @TempDir Path dir;

  /** A clock the test moves. */
  static final class MovingClock extends Clock {
    Instant now = Instant.parse("2026-11-23T00:00:00Z");

    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return now; }
  }

  private WorkloadIdentityTokenProvider provider(FakeEntra entra, MovingClock clock) throws IOException {
    Path token = dir.resolve("azure-identity-token");
    Files.writeString(token, "federated-1\n");
    Map<String, String> env = Map.of(
        "AZURE_CLIENT_ID", "client-id",
        "AZURE_TENANT_ID", "tenant-id",
        "AZURE_FEDERATED_TOKEN_FILE", token.toString(),
        "AZURE_AUTHORITY_HOST", entra.authority());
    WorkloadIdentityTokenProvider provider = new WorkloadIdentityTokenProvider(env::get, clock);
    provider.initialize(new Configuration(false), "account");
    return provider;
  }

  @Test
  void exchangesTheFederatedTokenForAStorageToken() throws Exception {
    try (FakeEntra entra = new FakeEntra()) {
      WorkloadIdentityTokenProvider provider = provider(entra, new MovingClock());
      assertEquals("token-1", provider.getAccessToken());
      assertEquals("/tenant-id/oauth2/v2.0/token", entra.paths.get(0));
      assertEquals(Map.of(
          "grant_type", "client_credentials",
          "client_id", "client-id",
          "scope", "https://storage.azure.com/.default",
          "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          "client_assertion", "federated-1"), entra.requests.get(0));
    }
  }

  @Test
  void cachesTheTokenAndRenewsItBeforeItExpires() throws Exception {
    try (FakeEntra entra = new FakeEntra()) {
      MovingClock clock = new MovingClock();
      WorkloadIdentityTokenProvider provider = provider(entra, clock);
      assertEquals("token-1", provider.getAccessToken());
      clock.now = clock.now.plus(Duration.ofMinutes(50));
      assertEquals("token-1", provider.getAccessToken());
      assertEquals(1, entra.requests.size());
      assertEquals(Instant.parse("2026-11-23T00:59:59Z"), provider.getExpiryTime().toInstant());
      // Inside the last five minutes: a new exchange, with the token file read again (the kubelet rotates it).
      Files.writeString(dir.resolve("azure-identity-token"), "federated-2");
      clock.now = clock.now.plus(Duration.ofMinutes(6));
      assertEquals("token-2", provider.getAccessToken());
      assertEquals("federated-2", entra.requests.get(1).get("client_assertion"));
    }
  }

  @Test
  void reportsTheStatusAndBodyOfARefusal() throws Exception {
    try (FakeEntra entra = new FakeEntra()) {
      entra.status = 400;
      entra.body = "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS70021: No matching federated identity record found\"}";
      IOException e = assertThrows(IOException.class, () -> provider(entra, new MovingClock()).getAccessToken());
      assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
      assertTrue(e.getMessage().contains("AADSTS70021"), e.getMessage());
    }
  }

  @Test
  void saysWhatIsMissingWhenThePodIsNotSetUp() {
    WorkloadIdentityTokenProvider provider = new WorkloadIdentityTokenProvider(name -> null, Clock.systemUTC());
    IOException e = assertThrows(IOException.class, () -> provider.initialize(new Configuration(false), "account"));
    assertTrue(e.getMessage().contains("$AZURE_CLIENT_ID"), e.getMessage());
  }
}
