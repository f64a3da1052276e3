package dev.leastprivilege.core.archfixture;

/**
 * Test fixture, never run: a class in core's package tree that reaches a Kubernetes client, an HTTP
 * server and an HTTP client by fully qualified names only, with no import. CorePurityTest proves
 * its rule refuses it.
 */
final class ReachesOutByFullyQualifiedNames {
  private ReachesOutByFullyQualifiedNames() {}

  static String masterUrl(io.fabric8.kubernetes.client.KubernetesClient client) {
    return String.valueOf(client.getMasterUrl());
  }

  static Object server() throws java.io.IOException {
    return com.sun.net.httpserver.HttpServer.create();
  }

  static Object client() {
    return java.net.http.HttpClient.newHttpClient();
  }
}
