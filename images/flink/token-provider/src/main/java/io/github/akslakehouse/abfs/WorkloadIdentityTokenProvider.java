package io.github.akslakehouse.abfs;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.azurebfs.extensions.CustomTokenProviderAdaptee;

/**
 * An ABFS access token from Azure Workload Identity: the pod's federated service account
 * token (the file the webhook projects, $AZURE_FEDERATED_TOKEN_FILE) is exchanged for a
 * storage token at Microsoft Entra ID with the OAuth 2.0 client credentials grant and a
 * client assertion (the flow of Hadoop 3.4.1's WorkloadIdentityTokenProvider and the Azure
 * SDK's WorkloadIdentityCredential). Tokens are cached and renewed five minutes before they
 * expire; the token file is read again for every exchange, since the kubelet rotates it.
 *
 * <p>Settings come from the webhook's environment variables; each may be overridden per
 * account with fs.azure.account.oauth2.* keys of the Hadoop configuration.
 */
public class WorkloadIdentityTokenProvider implements CustomTokenProviderAdaptee {
  static final String SCOPE = "https://storage.azure.com/.default";
  static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(5);
  private static final Pattern TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern EXPIRES_IN = Pattern.compile("\"expires_in\"\\s*:\\s*\"?(\\d+)\"?");

  private final Function<String, String> environment;
  private final Clock clock;
  private final HttpClient http;
  private String clientId;
  private String tenantId;
  private String authority;
  private Path tokenFile;
  private String accessToken;
  private Instant expiry = Instant.EPOCH;

  public WorkloadIdentityTokenProvider() {
    this(System::getenv, Clock.systemUTC());
  }

  WorkloadIdentityTokenProvider(Function<String, String> environment, Clock clock) {
    this.environment = environment;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @Override
  public void initialize(Configuration configuration, String accountName) throws IOException {
    clientId = setting(configuration, "fs.azure.account.oauth2.client.id", "AZURE_CLIENT_ID");
    tenantId = setting(configuration, "fs.azure.account.oauth2.msi.tenant", "AZURE_TENANT_ID");
    tokenFile = Path.of(setting(configuration, "fs.azure.account.oauth2.token.file", "AZURE_FEDERATED_TOKEN_FILE"));
    String host = configuration.get("fs.azure.account.oauth2.msi.authority", environment.apply("AZURE_AUTHORITY_HOST"));
    authority = (host == null || host.isBlank() ? "https://login.microsoftonline.com" : host.trim()).replaceAll("/+$", "") + "/";
  }

  private String setting(Configuration configuration, String key, String variable) throws IOException {
    String value = configuration.get(key, environment.apply(variable));
    if (value == null || value.isBlank()) {
      throw new IOException("workload identity: neither " + key + " nor $" + variable + " is set; is the pod labelled azure.workload.identity/use and its service account annotated with the client ID?");
    }
    return value.trim();
  }

  @Override
  public synchronized String getAccessToken() throws IOException {
    if (accessToken == null || !clock.instant().isBefore(expiry.minus(RENEW_BEFORE_EXPIRY))) exchange();
    return accessToken;
  }

  @Override
  public synchronized Date getExpiryTime() {
    return Date.from(expiry);
  }

  private void exchange() throws IOException {
    String assertion = Files.readString(tokenFile).trim();
    Map<String, String> form = Map.of(
        "grant_type", "client_credentials",
        "client_id", clientId,
        "scope", SCOPE,
        "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion", assertion);
    String body = form.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .sorted()
        .collect(Collectors.joining("&"));
    URI endpoint = URI.create(authority + tenantId + "/oauth2/v2.0/token");
    HttpRequest request = HttpRequest.newBuilder(endpoint)
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    Instant sent = clock.instant();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("workload identity: token request to " + endpoint + " interrupted", e);
    }
    if (response.statusCode() != 200) {
      throw new IOException("workload identity: " + endpoint + " answered HTTP " + response.statusCode() + ": " + response.body());
    }
    Matcher token = TOKEN.matcher(response.body());
    Matcher expiresIn = EXPIRES_IN.matcher(response.body());
    if (!token.find() || !expiresIn.find()) {
      throw new IOException("workload identity: no access_token and expires_in in the answer of " + endpoint);
    }
    accessToken = token.group(1);
    expiry = sent.plusSeconds(Long.parseLong(expiresIn.group(1)));
  }
}
