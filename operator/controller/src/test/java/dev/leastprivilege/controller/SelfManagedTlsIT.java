package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.webhook.ClusterReads;
import dev.leastprivilege.webhook.PolicyCache;
import dev.leastprivilege.webhook.WebhookServer;
import dev.leastprivilege.webhook.tls.CertificateIssuer;
import dev.leastprivilege.webhook.tls.Pems;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import dev.leastprivilege.webhook.tls.SelfManagedTls;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The self-managed CA behind a real kube-apiserver that calls the webhook ({@code failurePolicy:
 * Fail}) for every pod: pods keep being admitted while the CA rolls over, and a Secret whose key
 * does not match its certificate is replaced rather than served.
 */
class SelfManagedTlsIT {
  private static final String NS = "lpo-tls";
  private static final String CONFIG = "lpo-tls-it";

  private static final class MovableClock extends Clock {
    volatile Instant now = Instant.now();

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void podsKeepBeingAdmittedThroughACaRolloverAndAMismatchedSecretIsReissued() throws Exception {
    try (RealApiServer api = RealApiServer.start();
        KubernetesClient client = api.client()) {
      client
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(NS)
                  .addToLabels("lpo-tls-it", "on")
                  .endMetadata()
                  .build())
          .create();
      client
          .resource(
              new ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("default")
                  .withNamespace(NS)
                  .endMetadata()
                  .build())
          .create();
      // An older CA with less than a year to live, and its certificate, as a Secret left it.
      CertificateIssuer.Issued oldCa = CertificateIssuer.newCa("old", Duration.ofDays(200));
      CertificateIssuer.Issued oldServing =
          CertificateIssuer.serving(oldCa, List.of(), List.of("127.0.0.1"));
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("tls")
                  .withNamespace(NS)
                  .endMetadata()
                  .addToData("ca.crt", b64(oldCa.certificate()))
                  .addToData("ca.key", b64(oldCa.privateKey()))
                  .addToData("tls.crt", b64(oldServing.certificate() + oldCa.certificate()))
                  .addToData("tls.key", b64(oldServing.privateKey()))
                  .build())
          .create();
      MovableClock clock = new MovableClock();
      SelfManagedTls tls =
          new SelfManagedTls(client, NS, "tls", CONFIG, List.of(), List.of("127.0.0.1"), clock);
      ReloadingKeyManager keys = new ReloadingKeyManager(tls);
      PolicyCache cache =
          new PolicyCache() {
            public NamespacePolicies forNamespace(String ns) {
              return NamespacePolicies.EMPTY;
            }

            public boolean ready() {
              return true;
            }
          };
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (WebhookServer server =
          WebhookServer.start(
              new InetSocketAddress("127.0.0.1", 0),
              keys,
              new MutationPlanner("lpo-system"),
              cache,
              ClusterReads.none(),
              registry)) {
        client
            .resource(
                client
                    .getKubernetesSerialization()
                    .unmarshal(
                        configuration(server.port(), oldCa.certificate()),
                        io.fabric8.kubernetes.api.model.admissionregistration.v1
                            .MutatingWebhookConfiguration.class))
            .create();
        tls.upkeep();
        keys.refresh();
        assertEquals(serialOf(oldServing), keys.serving().orElseThrow().getSerialNumber());

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger admitted = new AtomicInteger();
        ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
        Thread pods =
            new Thread(
                () -> {
                  for (int i = 0; !stop.get(); i++) {
                    try {
                      client
                          .resource(
                              new PodBuilder()
                                  .withNewMetadata()
                                  .withName("p-" + i)
                                  .withNamespace(NS)
                                  .endMetadata()
                                  .withNewSpec()
                                  .addNewContainer()
                                  .withName("app")
                                  .withImage("busybox")
                                  .endContainer()
                                  .endSpec()
                                  .build())
                          .create();
                      admitted.incrementAndGet();
                    } catch (RuntimeException e) {
                      refused.add("p-" + i + ": " + e.getMessage());
                    }
                  }
                });
        pods.start();
        try {
          await("pods admitted with the old certificate")
              .atMost(Duration.ofMinutes(1))
              .until(() -> admitted.get() >= 3);
          // Step 1: the next CA joins the caBundle; the old certificate is still served.
          tls.upkeep();
          keys.refresh();
          List<String> both = tls.caBundle();
          assertEquals(2, both.size());
          assertEquals(serialOf(oldServing), keys.serving().orElseThrow().getSerialNumber());
          int withBoth = admitted.get();
          await("pods admitted while the caBundle holds both CAs")
              .atMost(Duration.ofMinutes(1))
              .until(() -> admitted.get() > withBoth);
          // The next upkeep sees it trusted; a minute later a certificate of the next CA is served.
          tls.upkeep();
          clock.now = clock.now.plus(Duration.ofMinutes(1));
          tls.upkeep();
          keys.refresh();
          X509Certificate served = keys.serving().orElseThrow();
          served.verify(Pems.certificates(both.get(1)).get(0).getPublicKey());
          assertEquals(List.of(both.get(1), both.get(0)), tls.caBundle());
          int beforeMismatch = admitted.get();
          await("pods admitted with the new certificate")
              .atMost(Duration.ofMinutes(1))
              .until(() -> admitted.get() > beforeMismatch);

          // Someone pastes another certificate's key into the Secret: it is replaced, never served.
          Secret secret = client.secrets().inNamespace(NS).withName("tls").get();
          secret
              .getData()
              .put(
                  "tls.key",
                  b64(
                      CertificateIssuer.serving(
                              CertificateIssuer.newCa("other"), List.of(), List.of("127.0.0.1"))
                          .privateKey()));
          client.resource(secret).update();
          tls.upkeep();
          keys.refresh();
          assertNotEquals(served.getSerialNumber(), keys.serving().orElseThrow().getSerialNumber());
          int afterMismatch = admitted.get();
          await("pods admitted after the repair")
              .atMost(Duration.ofMinutes(1))
              .until(() -> admitted.get() > afterMismatch);
        } finally {
          stop.set(true);
          pods.join(15_000);
        }
        assertEquals(List.of(), List.copyOf(refused), "no pod refused through it all");
        assertTrue(admitted.get() > 10, admitted + " pods admitted");
        // The API server called the webhook for every one of them.
        assertEquals(
            admitted.get(),
            (int)
                registry.get("lpo_webhook_admission").tag("outcome", "unchanged").timer().count());
      }
    }
  }

  private static java.math.BigInteger serialOf(CertificateIssuer.Issued issued) {
    return Pems.certificates(issued.certificate()).get(0).getSerialNumber();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String configuration(int port, String caPem) {
    return WebhookRegistration.of(CONFIG, port)
        .trusting(caPem)
        .selecting("{matchLabels: {lpo-tls-it: \"on\"}}")
        .yaml();
  }
}
