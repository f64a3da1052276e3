package dev.leastprivilege.webhook;

import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.webhook.tls.CertificateIssuer;
import dev.leastprivilege.webhook.tls.KeyMaterial;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.function.Function;

/**
 * The webhook's HTTPS endpoint on 127.0.0.1 with a fresh CA, the product's planner, and the given
 * namespaces and API reads, plus a client that trusts that CA: what the endpoint tests send
 * AdmissionReviews to.
 */
record TestWebhook(WebhookServer server, AdmissionClient client, String caCertificate)
    implements AutoCloseable {

  static TestWebhook start(
      Function<String, NamespacePolicies> namespaces, ClusterReads cluster, MeterRegistry registry)
      throws Exception {
    return start(namespaces, cluster, registry, WebhookServer.Limits.DEFAULT);
  }

  static TestWebhook start(
      Function<String, NamespacePolicies> namespaces,
      ClusterReads cluster,
      MeterRegistry registry,
      WebhookServer.Limits limits)
      throws Exception {
    CertificateIssuer.Issued ca = CertificateIssuer.newCa("test CA");
    CertificateIssuer.Issued serving =
        CertificateIssuer.serving(ca, List.of("localhost"), List.of("127.0.0.1"));
    ReloadingKeyManager keys =
        new ReloadingKeyManager(
            KeyMaterial.fixed(serving.certificate(), serving.privateKey(), "test"));
    if (!keys.refresh()) {
      throw new IllegalStateException("the test certificate was not taken");
    }
    PolicyCache cache =
        new PolicyCache() {
          public NamespacePolicies forNamespace(String ns) {
            return namespaces.apply(ns);
          }

          public boolean ready() {
            return true;
          }
        };
    WebhookServer server =
        WebhookServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            keys,
            new MutationPlanner("lpo-system"),
            cache,
            cluster,
            registry,
            limits);
    return new TestWebhook(
        server, new AdmissionClient(URI.create(url(server)), ca.certificate()), ca.certificate());
  }

  String url() {
    return url(server);
  }

  private static String url(WebhookServer server) {
    return "https://127.0.0.1:" + server.port() + WebhookServer.PATH;
  }

  @Override
  public void close() {
    server.close();
  }
}
