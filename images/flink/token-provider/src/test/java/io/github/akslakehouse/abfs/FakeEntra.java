package io.github.akslakehouse.abfs;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A loopback stand-in for Microsoft Entra ID's token endpoint, recording every request. */
final class FakeEntra implements AutoCloseable {
  final List<Map<String, String>> requests = new ArrayList<>();
  final List<String> paths = new ArrayList<>();
  volatile int status = 200;
  volatile String body = "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"token-%d\"}";
  private final HttpServer server;

  FakeEntra() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      Map<String, String> form = new HashMap<>();
      for (String pair : new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
        String[] kv = pair.split("=", 2);
        form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
      }
      synchronized (this) {
        requests.add(form);
        paths.add(exchange.getRequestURI().getPath());
      }
      byte[] answer = String.format(body, requests.size()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
  }

  String authority() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
